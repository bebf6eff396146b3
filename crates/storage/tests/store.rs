//! The storage "story": one database file used the way the pipeline uses it.

use chrono::DateTime;
use trendwatch_model::{Alert, AlertStatus, ClassifiedPost, Post, Tags, Topic, TopicKind, beijing};
use trendwatch_storage::{
    APPLICATION_ID, PostWrite, SpikeFilter, SpikeRecord, SqliteStore, StorageError, Store,
    WriteBatch,
};

fn post(id: &str, user: &str, ts: &str, topics: &[&str]) -> ClassifiedPost {
    ClassifiedPost {
        post: Post {
            id: id.into(),
            user_id: user.into(),
            user_name: format!("name-{user}"),
            text: "微信崩了".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            created_at: DateTime::parse_from_rfc3339(ts).unwrap(),
            reposts: 1,
            comments: 2,
            likes: 3,
            repost_of: None,
            source: None,
        },
        tags: Tags {
            outage_complaint: true,
            service: Some("wechat".into()),
            topics: topics
                .iter()
                .map(|t| Topic {
                    name: t.to_string(),
                    kind: TopicKind::Outage,
                    service: Some("wechat".into()),
                })
                .collect(),
            ..Tags::default()
        },
    }
}

fn write(store: &mut SqliteStore, p: &ClassifiedPost) -> PostWrite {
    let mut batch = store.begin().unwrap();
    let ids: Vec<_> = p
        .tags
        .topics
        .iter()
        .map(|t| batch.topic_id(t).unwrap())
        .collect();
    let result = batch.insert_post(p, &ids).unwrap();
    batch.commit().unwrap();
    result
}

#[test]
fn posts_are_stored_once_and_participants_counted_once_per_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let a = post("1", "u1", "2015-09-13T13:00:05+08:00", &["WeChat outage"]);
    let b = post("2", "u1", "2015-09-13T13:00:40+08:00", &["WeChat outage"]);
    let c = post("3", "u2", "2015-09-13T13:01:10+08:00", &["WeChat outage"]);
    assert_eq!(
        write(&mut store, &a),
        PostWrite::Inserted {
            new_participant: vec![true]
        }
    );
    assert_eq!(
        write(&mut store, &b),
        PostWrite::Inserted {
            new_participant: vec![false]
        }
    );
    assert_eq!(
        write(&mut store, &c),
        PostWrite::Inserted {
            new_participant: vec![true]
        }
    );
    assert_eq!(write(&mut store, &a), PostWrite::Duplicate);
    drop(store);

    // Reopen: everything is still there, and the counts are right.
    let store = SqliteStore::open_read_only(&path).unwrap();
    let topic = store.topic_by_name("WeChat outage").unwrap().unwrap();
    let series = store.series(topic.id, 60, None, None).unwrap();
    let figures: Vec<_> = series.iter().map(|r| (r.posts, r.participants)).collect();
    assert_eq!(figures, vec![(2, 1), (1, 1)]);
    let five = store.series(topic.id, 300, None, None).unwrap();
    assert_eq!((five[0].posts, five[0].participants), (3, 2));
}

#[test]
fn an_uncommitted_batch_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = SqliteStore::open(&path).unwrap();
    {
        let mut batch = store.begin().unwrap();
        let p = post("9", "u9", "2015-09-13T13:00:05+08:00", &["rolled back"]);
        let id = batch.topic_id(&p.tags.topics[0]).unwrap();
        batch.insert_post(&p, &[id]).unwrap();
        // Dropped without commit.
    }
    // The topic id cache forgot the rolled-back topic: writing again works and stores it.
    let p = post("9", "u9", "2015-09-13T13:00:05+08:00", &["rolled back"]);
    assert!(matches!(write(&mut store, &p), PostWrite::Inserted { .. }));
    assert!(store.topic_by_name("rolled back").unwrap().is_some());
}

#[test]
fn alerts_are_stored_once_and_queued_for_durable_sinks() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let t = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&beijing())
    };
    let alert = Alert {
        topic: "WeChat outage".into(),
        kind: TopicKind::Outage,
        service: Some("wechat".into()),
        status: AlertStatus::Opened,
        detected_at: t("2015-09-13T13:07:00+08:00"),
        window_start: t("2015-09-13T13:00:00+08:00"),
        window_end: t("2015-09-13T13:05:00+08:00"),
        participants: 420,
        baseline: 3.5,
        score: 0.99,
        episode_id: "WeChat outage@2015-09-13T13:00:00+08:00".into(),
    };
    let mut batch = store.begin().unwrap();
    let topic = batch
        .topic_id(&Topic {
            name: "WeChat outage".into(),
            kind: TopicKind::Outage,
            service: Some("wechat".into()),
        })
        .unwrap();
    let id = batch.insert_alert(&alert, topic, &["webhook"]).unwrap();
    assert!(id.is_some());
    assert_eq!(
        batch.insert_alert(&alert, topic, &["webhook"]).unwrap(),
        None
    );
    batch
        .upsert_spike(&SpikeRecord {
            episode_id: alert.episode_id.clone(),
            topic_id: topic,
            onset: alert.window_start.timestamp(),
            alerted_at: alert.detected_at.timestamp(),
            peak_at: alert.window_start.timestamp(),
            peak_participants: 420,
            ended_at: None,
        })
        .unwrap();
    batch.commit().unwrap();

    let pending = store.pending_outbox("webhook", 10).unwrap();
    assert_eq!(pending.len(), 1);
    let sent: Alert = serde_json::from_str(&pending[0].1).unwrap();
    assert_eq!(sent, alert);
    store
        .mark_outbox(pending[0].0, "webhook", Err("connection refused".into()))
        .unwrap();
    assert_eq!(store.pending_outbox("webhook", 10).unwrap().len(), 1);
    store.mark_outbox(pending[0].0, "webhook", Ok(())).unwrap();
    assert!(store.pending_outbox("webhook", 10).unwrap().is_empty());

    let spikes = store
        .spikes(&SpikeFilter {
            service: Some("wechat".into()),
            ..SpikeFilter::default()
        })
        .unwrap();
    assert_eq!(spikes.len(), 1);
    assert_eq!(spikes[0].peak_participants, 420);
}

#[test]
fn foreign_newer_and_corrupt_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();

    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE x (y)")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    assert!(matches!(
        SqliteStore::open(&foreign),
        Err(StorageError::NotTrendwatch { .. })
    ));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let newer = dir.path().join("newer.db");
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 999; CREATE TABLE z (a);"
        ))
        .unwrap();
    let err = SqliteStore::open(&newer).unwrap_err();
    assert!(
        matches!(err, StorageError::NewerSchema { found: 999, .. }),
        "{err}"
    );

    let corrupt = dir.path().join("corrupt.db");
    let junk = vec![0x42u8; 8192];
    std::fs::write(&corrupt, &junk).unwrap();
    let err = SqliteStore::open(&corrupt).unwrap_err();
    assert!(matches!(err, StorageError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("corrupt.db"));
    assert_eq!(std::fs::read(&corrupt).unwrap(), junk);
}
