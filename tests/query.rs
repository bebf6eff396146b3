use crate::util::{SCALE, json_lines, run_ok, wechat_stream};

#[test]
fn spikes_series_and_top_answer_on_a_replayed_database() {
    let dir = tempfile::tempdir().unwrap();
    let stream = wechat_stream(dir.path(), SCALE);
    let db = dir.path().join("q.db");
    let db_s = db.to_str().unwrap();
    run_ok(&["replay", stream.to_str().unwrap(), "--db", db_s]);

    let spikes = json_lines(&run_ok(&[
        "spikes",
        "--db",
        db_s,
        "--service",
        "wechat",
        "--format",
        "json",
    ]));
    assert!(!spikes.is_empty(), "no WeChat spike listed");
    let spike = &spikes[0];
    assert!(
        spike["total_participants"].as_u64().unwrap()
            >= spike["peak_participants"].as_u64().unwrap()
    );
    assert!(spike["onset"].as_str().unwrap().ends_with("+08:00"));

    let series = json_lines(&run_ok(&[
        "series",
        "--db",
        db_s,
        "--topic",
        "WeChat outage",
        "--bucket",
        "5m",
        "--since",
        "2015-09-13 12:00",
        "--until",
        "2015-09-13 16:00",
        "--format",
        "json",
    ]));
    assert_eq!(series.len(), 48, "4 hours of 5-minute buckets");
    let peak = series
        .iter()
        .map(|r| r["participants"].as_u64().unwrap())
        .max()
        .unwrap();
    let before = series[..12]
        .iter()
        .map(|r| r["participants"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(
        peak > 10 * before.max(1),
        "no rise in the series: before {before}, peak {peak}"
    );

    let csv = run_ok(&[
        "series",
        "--db",
        db_s,
        "--topic",
        "WeChat outage",
        "--bucket",
        "1h",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("bucket,posts,participants,baseline,score\n"),
        "{text}"
    );

    let top = json_lines(&run_ok(&[
        "top",
        "--db",
        db_s,
        "--at",
        "2015-09-13 15:00",
        "--window",
        "2h",
        "--format",
        "json",
    ]));
    assert_eq!(top[0]["topic"], "WeChat outage", "{top:#?}");

    let table =
        String::from_utf8(run_ok(&["top", "--db", db_s, "--at", "2015-09-13 15:00"]).stdout)
            .unwrap();
    assert!(
        table.contains("WeChat outage") && table.contains("+08:00"),
        "{table}"
    );
}
