//! Reads the hand-written samples under `fixtures/samples/` and checks every parsed field.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use trendwatch_model::{HotSearchEntry, Post};
use trendwatch_scraper::{
    Format, PageError, ReadOptions, RecordError, SourceItem, detect_format, open_path,
    parse_api_page, parse_hot_search, parse_search_page,
};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/samples")
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn read(name: &str, captured_at: Option<&str>) -> Vec<Result<SourceItem, RecordError>> {
    let options = ReadOptions {
        captured_at: captured_at.map(at),
    };
    open_path(&samples().join(name), &options)
        .unwrap()
        .collect()
}

fn posts(records: &[Result<SourceItem, RecordError>]) -> Vec<Post> {
    records
        .iter()
        .map(|r| match r {
            Ok(SourceItem::Post(p)) => p.clone(),
            other => panic!("expected a post, got {other:?}"),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn post(
    id: &str,
    user_id: &str,
    user_name: &str,
    text: &str,
    topics: &[&str],
    created_at: &str,
    counts: (u64, u64, u64),
    repost_of: Option<&str>,
    source: Option<&str>,
) -> Post {
    Post {
        id: id.into(),
        user_id: user_id.into(),
        user_name: user_name.into(),
        text: text.into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        created_at: at(created_at),
        reposts: counts.0,
        comments: counts.1,
        likes: counts.2,
        repost_of: repost_of.map(Into::into),
        source: source.map(Into::into),
    }
}

const SORRY: &str = "【微信故障说明】今天中午部分用户出现微信消息发送失败、无法登录的情况，工程师正在紧急修复，给大家带来不便，非常抱歉！[抱歉]";

fn wechat_team_2015(created_at: &str) -> Post {
    post(
        "3887399656318976",
        "1880564361",
        "微信团队",
        SORRY,
        &[],
        created_at,
        (12_000, 34_000, 1_000_000),
        None,
        Some("微博 weibo.com"),
    )
}

fn xiaoming(created_at: &str, counts: (u64, u64, u64)) -> Post {
    post(
        "3887395960924451",
        "1642909335",
        "小明在北京",
        "#微信崩了# 微信又上不去了，消息一直转圈发不出去[哭]",
        &["微信崩了"],
        created_at,
        counts,
        None,
        Some("iPhone 6"),
    )
}

#[test]
fn mblog_lines() {
    let records = read("mblog-lines.jsonl", None);
    let expected = vec![
        xiaoming("2015-09-13T13:05:22+08:00", (12, 31, 8)),
        wechat_team_2015("2015-09-13T13:20:03+08:00"),
        post(
            "3887402591812633",
            "2803301701",
            "人民日报",
            "终于有说法了 //@小明在北京:同崩[怒]",
            &[],
            "2015-09-13T13:31:47+08:00",
            (0, 2, 5),
            Some("3887399656318976"),
            Some("微博 weibo.com"),
        ),
        post(
            "3887403602616321",
            "5702155621",
            "冬天的小熊",
            "#微信崩了# 发红包发不出去，钱扣了没到账？？ #微信支付#",
            &["微信崩了", "微信支付"],
            "2015-09-13T13:35:48+08:00",
            (0, 4, 11),
            None,
            Some("Android客户端"),
        ),
        post(
            "3887404257053771",
            "3176010690",
            "momo_酱",
            "#微信崩了# 登不上去，一直显示 Access denied. Please check your network setting. 是我网的问题吗 #微信#",
            &["微信崩了", "微信"],
            "2015-09-13T13:38:24+08:00",
            (3, 7, 21),
            None,
            Some("小米手机4"),
        ),
        post(
            "3887405061965012",
            "1195230310",
            "新闻快讯",
            "朋友圈刷不出来&消息发不出去\n重启了三次\"还是不行\"\n#微信崩了##微信#",
            &["微信崩了", "微信"],
            "2015-09-13T13:41:36+08:00",
            (1234, 2001, 300_000_000),
            None,
            Some("iPhone 6 Plus"),
        ),
        post(
            "3887406429216418",
            "2028810631",
            "新浪科技",
            "今天中午12点多开始，微信在全国多地出现故障：消息发不出去、朋友圈加载不出来、部分用户无法登录。#微信崩了# 有网友表示付款也失败了，工程师...",
            &["微信崩了"],
            "2015-09-13T13:47:02+08:00",
            (856, 1502, 2311),
            None,
            Some("微博 weibo.com"),
        ),
        post(
            "3887407897372571",
            "1642909335",
            "小明在北京",
            "好了好了，微信恢复了[哈哈][哈哈]",
            &[],
            "2015-09-13T13:52:51+08:00",
            (0, 0, 1),
            None,
            Some("iPhone 6"),
        ),
        post(
            "3887408401212345",
            "6034872901",
            "路人甲",
            "微信终于好了 #微信崩了#",
            &["微信崩了"],
            "2015-09-13T13:54:50+08:00",
            (0, 1, 2),
            None,
            Some("华为P8"),
        ),
        post(
            "3887409012345678",
            "6034872901",
            "路人甲",
            "转发微博",
            &[],
            "2015-09-13T13:57:20+08:00",
            (0, 0, 0),
            Some("3887399656318976"),
            None,
        ),
    ];
    assert_eq!(posts(&records), expected);
}

#[test]
fn normalised_output_reads_back_identically() {
    let first = posts(&read("mblog-lines.jsonl", None));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parsed.jsonl");
    let lines: Vec<String> = first
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let back: Vec<Result<SourceItem, RecordError>> =
        open_path(&path, &ReadOptions::default()).unwrap().collect();
    assert_eq!(posts(&back), first);
}

#[test]
fn api_page() {
    let records = read("api-page.json", None);
    let pinned = post(
        "3871000112345678",
        "1880564361",
        "微信团队",
        "欢迎关注微信团队官方微博，功能更新和故障说明都会第一时间在这里发布。#微信#",
        &["微信"],
        "2015-08-01T10:00:00+08:00",
        (5230, 8012, 40975),
        None,
        Some("微博 weibo.com"),
    );
    let restored = post(
        "3887417712763421",
        "1880564361",
        "微信团队",
        "【已恢复】微信服务已全部恢复正常，感谢大家的耐心等待。#微信崩了# #微信恢复#",
        &["微信崩了", "微信恢复"],
        "2015-09-13T14:32:10+08:00",
        (3021, 11_000, 23_000),
        Some("3887395960924451"),
        Some("微博 weibo.com"),
    );
    let expected = vec![
        pinned,
        wechat_team_2015("2015-09-13T13:20:03+08:00"),
        xiaoming("2015-09-13T13:05:22+08:00", (12, 31, 8)),
        restored,
    ];
    assert_eq!(posts(&records), expected);

    let text = std::fs::read_to_string(samples().join("api-page.json")).unwrap();
    let page = parse_api_page(&text, "api-page.json", None).unwrap();
    assert!(page.ok);
    assert_eq!(page.pinned, vec!["3871000112345678"]);
    assert!(page.is_pinned("3871000112345678"));
    assert!(!page.is_pinned("3887399656318976"));
    assert_eq!(page.since_id.as_deref(), Some("3887399656318976"));
    assert_eq!(page.total, Some(1012));
    assert_eq!(page.page, None);
    assert!(page.long_text.is_empty());
    assert_eq!(page.posts().count(), 4);

    // With a capture time more than a day before two of the posts, those are absurd, and
    // their errors name the card ordinal (cards inside a card_group count individually).
    let page = parse_api_page(
        &text,
        "api-page.json",
        Some(at("2015-09-12T13:10:00+08:00")),
    )
    .unwrap();
    let errors: Vec<(u64, &str)> = page.errors().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(errors, vec![(2, "created_at"), (3, "created_at")]);
    let message = &page.errors().next().unwrap().message;
    assert!(message.contains("more than a day after"), "{message}");
    assert!(message.contains("3887399656318976"), "{message}");
    let ids: Vec<&str> = page.posts().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["3871000112345678", "3887395960924451"]);
}

#[test]
fn api_page_long_text_and_relative_dates() {
    let text = r#"{"ok":1,"data":{"cardlistInfo":{"page":2,"total":30},"cards":[
      {"card_type":9,"mblog":{"id":"1","created_at":"09-12","isLongText":true,
        "text":"很长很长...<a href=\"/status/1\">全文</a>","user":{"id":2,"screen_name":"a"}}},
      {"card_type":9,"mblog":{"id":"3","created_at":"今天 12:26","text":"x","user":{"id":2,"screen_name":"a"}}},
      {"card_type":9,"mblog":{"id":"4","created_at":"5分钟前","text":"y","user":{"id":2,"screen_name":"a"}}}]}}"#;
    let page = parse_api_page(text, "live", Some(at("2015-09-13T14:00:00+08:00"))).unwrap();
    let posts: Vec<&Post> = page.posts().collect();
    assert_eq!(posts[0].text, "很长很长...");
    assert_eq!(posts[0].created_at, at("2015-09-12T00:00:00+08:00"));
    assert_eq!(posts[1].created_at, at("2015-09-13T12:26:00+08:00"));
    assert_eq!(posts[2].created_at, at("2015-09-13T13:55:00+08:00"));
    assert_eq!(page.long_text, vec!["1"]);
    assert_eq!((page.page, page.total), (Some(2), Some(30)));

    // Without a capture time, relative dates are errors that say how to give one.
    let page = parse_api_page(text, "live", None).unwrap();
    let errors: Vec<&RecordError> = page.errors().collect();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0].file, Path::new("live"));
    assert_eq!(
        (errors[1].line, errors[1].field.as_str()),
        (2, "created_at")
    );
    assert!(errors[1].message.contains("--captured-at"));
}

#[test]
fn search_2020() {
    let records = read("search-2020.html", None);
    let expected = vec![
        post(
            "3887395960924451",
            "1642909335",
            "小明在北京",
            "#微信崩了# 微信又上不去了，消息一直转圈发不出去[哭] 北京·朝阳区",
            &["微信崩了"],
            "2015-09-13T13:05:00+08:00",
            (1261, 1891, 40975),
            None,
            Some("iPhone 6"),
        ),
        post(
            "3887406429216418",
            "2028810631",
            "新浪科技",
            "今天中午12点多开始，微信在全国多地出现故障：消息发不出去、朋友圈加载不出来、部分用户无法登录。#微信崩了#\n有网友表示付款也失败了 & 聊天记录没了，微信团队称工程师正在紧急修复。#微信故障#",
            &["微信崩了", "微信故障"],
            "2015-09-13T13:35:00+08:00",
            (856, 1502, 2311),
            None,
            Some("微博 weibo.com"),
        ),
        wechat_team_2015("2015-09-13T13:20:00+08:00"),
        post(
            "3887410512345678",
            "3176010690",
            "momo_酱",
            "终于有说法了，可我的红包还没到账[怒] //@小明在北京:同崩",
            &[],
            "2015-09-13T13:40:00+08:00",
            (0, 2, 0),
            Some("3887399656318976"),
            Some("小米手机4"),
        ),
    ];
    assert_eq!(posts(&records), expected);

    let html = std::fs::read_to_string(samples().join("search-2020.html")).unwrap();
    let page = parse_search_page(&html, "search-2020.html", None).unwrap();
    assert_eq!(
        page.next_href.as_deref(),
        Some("/weibo?q=%23%E5%BE%AE%E4%BF%A1%E5%B4%A9%E4%BA%86%23&page=2")
    );
    assert_eq!(page.page_count, Some(2));
    // The page's servertime wins over a given capture time.
    assert_eq!(page.captured_at, Some(at("2015-09-13T14:00:00+08:00")));
}

#[test]
fn search_2023() {
    let records = read("search-2023.html", None);
    let expected = vec![
        post(
            "4885180185004327",
            "2656274875",
            "央视新闻",
            "【#微信崩了#】3月29日上午，不少网友反映微信出现图片发不出去、朋友圈刷不出来、语音转文字失败等情况。#微信回应#：正在紧急修复。",
            &["微信崩了", "微信回应"],
            "2023-03-29T09:52:00+08:00",
            (3521, 12_000, 21_000),
            None,
            Some("微博网页版"),
        ),
        post(
            "4885201249820934",
            "7512300456",
            "打工人小周",
            "上班第一件事就是发文件，结果 #微信崩了# 图片一直转圈[晕]\n老板以为我在摸鱼",
            &["微信崩了"],
            "2023-03-29T10:25:00+08:00",
            (0, 6, 88),
            None,
            Some("iPhone 14 Pro Max"),
        ),
        post(
            "4885192311787521",
            "1880564361",
            "微信团队",
            "今天上午部分用户出现图片、文件发送失败等问题，目前已逐步恢复，给大家带来不便，十分抱歉。",
            &[],
            "2023-03-29T10:11:00+08:00",
            (15_000, 27_000, 98_000),
            None,
            Some("微博网页版"),
        ),
        post(
            "4885211015103877",
            "6593199887",
            "科技圈吃瓜",
            "又来了 #微信崩了#",
            &["微信崩了"],
            "2023-03-29T10:30:00+08:00",
            (0, 0, 0),
            Some("4885192311787521"),
            Some("HUAWEI Mate 50"),
        ),
    ];
    assert_eq!(posts(&records), expected);
    let html = std::fs::read_to_string(samples().join("search-2023.html")).unwrap();
    let page = parse_search_page(&html, "x", None).unwrap();
    assert_eq!(
        page.next_href.as_deref(),
        Some("/weibo?q=%E5%BE%AE%E4%BF%A1%E5%B4%A9%E4%BA%86&Refer=index&page=2")
    );
}

/// The UTF-8 source of `fixtures/samples/search-gbk.html` (a 2017-layout page).
const GBK_SOURCE: &str = include_str!("data/search-gbk.utf8.html");

#[test]
fn gbk_sample_is_the_gbk_encoding_of_its_source() {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(GBK_SOURCE);
    assert!(!unmappable);
    let committed = std::fs::read(samples().join("search-gbk.html")).unwrap();
    assert!(
        committed == bytes.as_ref(),
        "fixtures/samples/search-gbk.html is stale: run `cargo test -p trendwatch-scraper --test samples -- --ignored write_gbk_sample`"
    );
    assert!(
        std::str::from_utf8(&committed).is_err(),
        "the sample must really be GBK bytes"
    );
}

#[test]
#[ignore = "writes fixtures/samples/search-gbk.html from tests/data/search-gbk.utf8.html"]
fn write_gbk_sample() {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(GBK_SOURCE);
    assert!(!unmappable);
    std::fs::write(samples().join("search-gbk.html"), bytes.as_ref()).unwrap();
}

#[test]
fn search_gbk_2017_layout() {
    let bytes = std::fs::read(samples().join("search-gbk.html")).unwrap();
    assert_eq!(detect_format(&bytes), Some(Format::SearchHtml));
    let (text, encoding) = trendwatch_scraper::decode_body(&bytes, None);
    assert_eq!(encoding, "GBK");
    assert_eq!(text, GBK_SOURCE);

    let records = read("search-gbk.html", None);
    let expected = vec![
        xiaoming("2015-09-13T13:05:22+08:00", (12, 31, 8)),
        post(
            "3887404257053771",
            "3176010690",
            "momo_酱",
            "登不上去，一直显示 Access denied. Please check your network setting. 是我网的问题吗 #微信#",
            &["微信"],
            "2015-09-13T13:38:00+08:00",
            (3, 7, 21),
            None,
            Some("小米手机4"),
        ),
    ];
    assert_eq!(posts(&records), expected);
    let page = parse_search_page(&text, "x", None).unwrap();
    assert_eq!(
        page.next_href.as_deref(),
        Some("/weibo/%25E5%25BE%25AE%25E4%25BF%25A1%25E5%25B4%25A9%25E4%25BA%2586&page=2")
    );
    assert_eq!(page.captured_at, None);
}

fn hot(
    rank: Option<u32>,
    word: &str,
    heat: Option<u64>,
    label: Option<&str>,
    captured_at: &str,
) -> HotSearchEntry {
    HotSearchEntry {
        rank,
        word: word.into(),
        heat,
        label: label.map(Into::into),
        captured_at: at(captured_at),
    }
}

fn entries(records: &[Result<SourceItem, RecordError>]) -> Vec<HotSearchEntry> {
    records
        .iter()
        .map(|r| match r {
            Ok(SourceItem::HotSearch(h)) => h.clone(),
            other => panic!("expected a hot-search entry, got {other:?}"),
        })
        .collect()
}

#[test]
fn hot_search_json() {
    const T: &str = "2023-03-29T10:30:00+08:00";
    let records = read("hot-search.json", Some(T));
    let expected = vec![
        hot(None, "全国两会精神在基层", None, None, T),
        hot(Some(1), "微信崩了", Some(2_034_567), Some("爆"), T),
        hot(Some(2), "微信回应", Some(1_204_033), Some("新"), T),
        hot(None, "春日限定新品上市", Some(0), Some("荐"), T),
        hot(Some(4), "微信图片发不出去", Some(856_120), Some("热"), T),
        hot(Some(5), "张三新剧定档", Some(612_000), None, T),
    ];
    assert_eq!(entries(&records), expected);

    // No capture time: one error that says how to give one.
    let records = read("hot-search.json", None);
    assert_eq!(records.len(), 1);
    let e = records[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (1, "captured_at"));
    assert!(e.message.contains("--captured-at"));
}

#[test]
fn hot_band_variant() {
    let text = r#"{"ok":1,"data":{"band_list":[
        {"word":"微信崩了","num":2034567,"raw_hot":2034567,"rank":0,"onboard_time":1680051000,"label_name":"爆"},
        {"word":"微信回应","raw_hot":"120万","realpos":2,"category":"科技","is_ad":0},
        {"word":"","rank":2}]}}"#;
    let page =
        parse_hot_search(text, "hot_band.json", Some(at("2023-03-29T10:30:00+08:00"))).unwrap();
    const T: &str = "2023-03-29T10:30:00+08:00";
    assert_eq!(
        page.entries[0],
        Ok(hot(Some(1), "微信崩了", Some(2_034_567), Some("爆"), T))
    );
    assert_eq!(
        page.entries[1],
        Ok(hot(Some(2), "微信回应", Some(1_200_000), None, T))
    );
    let e = page.entries[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (3, "word"));
}

#[test]
fn hot_summary_html() {
    const T: &str = "2023-03-29T10:30:00+08:00";
    // The page's own servertime is used; no capture time needed.
    let records = read("hot-summary.html", None);
    let expected = vec![
        hot(None, "全国两会精神在基层", None, Some("商"), T),
        hot(Some(1), "微信崩了", Some(2_034_567), Some("爆"), T),
        hot(Some(2), "微信回应", Some(1_204_033), Some("新"), T),
        hot(None, "春日限定新品上市", None, Some("荐"), T),
        hot(Some(3), "微信图片发不出去", Some(856_120), Some("社会"), T),
        hot(Some(4), "张三新剧定档", Some(612_300), Some("热"), T),
    ];
    assert_eq!(entries(&records), expected);
}

fn errors(records: &[Result<SourceItem, RecordError>]) -> Vec<(u64, String)> {
    records
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.line, e.field.clone()))
        .collect()
}

#[test]
fn bad_truncated_line() {
    let records = read("bad/truncated.jsonl", None);
    assert_eq!(records.len(), 3);
    assert!(records[0].is_ok() && records[2].is_ok());
    let e = records[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "record"));
    assert!(e.message.starts_with("truncated JSON"), "{}", e.message);
    assert!(e.file.ends_with("bad/truncated.jsonl"));
}

#[test]
fn bad_invalid_utf8_line() {
    let records = read("bad/invalid-utf8.jsonl", None);
    assert_eq!(records.len(), 3);
    assert!(records[0].is_ok() && records[2].is_ok());
    let e = records[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "record"));
    assert!(e.message.contains("invalid UTF-8"), "{}", e.message);
}

#[test]
fn bad_dates_counts_and_fields() {
    let records = read("bad/absurd-date.jsonl", Some("2015-09-13T14:00:00+08:00"));
    let errs = errors(&records);
    assert_eq!(
        errs,
        vec![
            (1, "created_at".to_owned()),
            (2, "created_at".to_owned()),
            (3, "created_at".to_owned()),
            (4, "reposts_count".to_owned()),
            (5, "user".to_owned()),
            (7, "record".to_owned()),
        ]
    );
    let messages: Vec<String> = records
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.message.clone())
        .collect();
    assert!(
        messages[0].contains("before Weibo launched"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("more than a day after"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("昨天下午"), "{}", messages[2]);
    assert!(messages[3].contains("很多"), "{}", messages[3]);
    let ok: Vec<Post> = records
        .iter()
        .filter_map(|r| match r {
            Ok(SourceItem::Post(p)) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].id, "3887400000000006");
    assert_eq!(ok[0].topics, vec!["微信崩了"]);

    // Without a capture time, a far-future date cannot be judged and passes.
    let records = read("bad/absurd-date.jsonl", None);
    assert_eq!(errors(&records).len(), 5);
}

#[test]
fn bad_broken_html_cards() {
    let records = read("bad/broken.html", None);
    let errs = errors(&records);
    assert_eq!(
        errs,
        vec![
            (2, "user.screen_name".to_owned()),
            (3, "created_at".to_owned()),
            (4, "created_at".to_owned()),
            (5, "created_at".to_owned()),
            (6, "reposts".to_owned()),
            (7, "created_at".to_owned()),
        ]
    );
    let good = posts(&records[..1]);
    assert_eq!(good[0].id, "3887395960924451");
    assert_eq!(
        (good[0].reposts, good[0].comments, good[0].likes),
        (3, 0, 5)
    );
    assert_eq!(good[0].topics, vec!["微信崩了"]);
}

#[test]
fn directory_reads_in_name_order_and_skips_subdirectories() {
    let records = read(".", Some("2023-03-29T10:30:00+08:00"));
    // api-page.json, hot-search.json, hot-summary.html, mblog-lines.jsonl, search-2020.html,
    // search-2023.html, search-gbk.html; bad/ is a subdirectory and is skipped.
    let ids: Vec<String> = records
        .iter()
        .map(|r| match r {
            Ok(SourceItem::Post(p)) => p.id.clone(),
            Ok(SourceItem::HotSearch(h)) => format!("hot:{}", h.word),
            Err(e) => format!("err:{}", e.field),
        })
        .collect();
    assert_eq!(ids.first().map(String::as_str), Some("3871000112345678"));
    assert_eq!(ids.iter().filter(|i| i.starts_with("hot:")).count(), 12);
    assert_eq!(ids.last().map(String::as_str), Some("3887404257053771"));
    // The 2015 search page resolves its relative dates from its own servertime, not from the
    // 2023 capture time given here.
    assert!(ids.iter().all(|i| !i.starts_with("err:")), "{ids:?}");
}

#[test]
fn unknown_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.jsonl"), "{\"id\":\"1\",\"user_id\":\"2\",\"user_name\":\"x\",\"text\":\"t\",\"created_at\":\"2015-09-13T13:00:00+08:00\"}\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "just some notes\n").unwrap();
    std::fs::write(dir.path().join(".hidden"), "garbage").unwrap();
    let err = open_path(dir.path(), &ReadOptions::default())
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(msg.contains("notes.txt"), "{msg}");
    std::fs::remove_file(dir.path().join("notes.txt")).unwrap();
    let records: Vec<_> = open_path(dir.path(), &ReadOptions::default())
        .unwrap()
        .collect();
    assert_eq!(records.len(), 1);
    assert!(records[0].is_ok());
    std::fs::write(dir.path().join("b.json"), "{\"foo\": 1}").unwrap();
    assert!(open_path(dir.path(), &ReadOptions::default()).is_err());
}

#[test]
fn retweet_in_2017_layout() {
    let html = r#"<html><head><script>$CONFIG['servertime'] = 1442124000;</script></head><body>
<div class="WB_cardwrap S_bg2 clearfix"><div action-type="feed_list_item" mid="3887410512345678">
  <div class="feed_content wbcon">
    <a class="W_texta W_fb" nick-name="momo_酱" href="//weibo.com/u/3176010690?refer_flag=1001030103_">momo_酱</a>
    <p class="comment_txt" node-type="feed_list_content" nick-name="momo_酱">同崩</p>
    <div class="comment">
      <div class="comment_info">
        <a class="W_texta W_fb" nick-name="微信团队" href="//weibo.com/u/1880564361?refer_flag=1001030103_">@微信团队</a>
        <p class="comment_txt" node-type="feed_list_forwardContent">【微信故障说明】工程师正在紧急修复</p>
        <div class="feed_from W_textb">
          <a href="//weibo.com/1880564361/CAFFbqvQY?refer_flag=1001030103_" date="1442121603000" node-type="feed_list_item_date">9月13日 13:20</a>
          来自<a rel="nofollow" href="http://app.weibo.com/t/feed/2o92Kh">微博 weibo.com</a>
        </div>
        <ul class="feed_action_info"><li><a action-type="feed_list_forward">转发<em>12000</em></a></li><li><a action-type="feed_list_comment">评论<em>34000</em></a></li></ul>
      </div>
    </div>
    <div class="feed_from W_textb">
      <a href="//weibo.com/3176010690/CAFWH9Qdw?refer_flag=1001030103_" date="1442122800000" node-type="feed_list_item_date">今天 13:40</a>
      来自<a rel="nofollow" href="http://app.weibo.com/t/feed/5yiHuw">小米手机4</a>
    </div>
  </div>
  <ul class="feed_action_info"><li><a action-type="feed_list_forward">转发</a></li><li><a action-type="feed_list_comment">评论<em>2</em></a></li><li><a action-type="feed_list_like"><em>1</em></a></li></ul>
</div></div></body></html>"#;
    let page = parse_search_page(html, "x", None).unwrap();
    let posts: Vec<&Post> = page.posts().collect();
    assert_eq!(page.errors().count(), 0, "{:?}", page.records);
    assert_eq!(posts.len(), 2);
    // The original's id comes from its bid (weibo.com/{uid}/{bid}).
    assert_eq!(posts[0].id, "3887399656318976");
    assert_eq!(posts[0].user_name, "微信团队");
    assert_eq!(posts[0].user_id, "1880564361");
    assert_eq!(posts[0].text, "【微信故障说明】工程师正在紧急修复");
    assert_eq!(posts[0].created_at, at("2015-09-13T13:20:03+08:00"));
    assert_eq!((posts[0].reposts, posts[0].comments), (12_000, 34_000));
    assert_eq!(posts[1].id, "3887410512345678");
    assert_eq!(posts[1].text, "同崩");
    assert_eq!(posts[1].created_at, at("2015-09-13T13:40:00+08:00"));
    assert_eq!(
        (posts[1].reposts, posts[1].comments, posts[1].likes),
        (0, 2, 1)
    );
    assert_eq!(posts[1].repost_of.as_deref(), Some("3887399656318976"));
    assert_eq!(posts[1].source.as_deref(), Some("小米手机4"));
}

#[test]
fn pretty_printed_status_and_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let status = r#"{
  "id": "3887395960924451",
  "created_at": "Sun Sep 13 13:05:22 +0800 2015",
  "text": "微信崩了<img alt=[哭]>",
  "user": {"id": 1642909335, "screen_name": "小明在北京"}
}"#;
    std::fs::write(dir.path().join("status.json"), status).unwrap();
    std::fs::write(
        dir.path().join("list.json"),
        format!("[{status}, {status}]"),
    )
    .unwrap();
    for (name, n) in [("list.json", 2), ("status.json", 1)] {
        let path = dir.path().join(name);
        assert_eq!(
            detect_format(&std::fs::read(&path).unwrap()),
            Some(Format::JsonDocument)
        );
        let records: Vec<_> = open_path(&path, &ReadOptions::default()).unwrap().collect();
        let posts = posts(&records);
        assert_eq!(posts.len(), n);
        assert_eq!(posts[0].text, "微信崩了[哭]");
    }
}

#[test]
fn blocked_pages() {
    let visitor = r#"<html><head><title>Sina Visitor System</title></head><body><script src="https://passport.weibo.com/js/visitor/mini_original.js"></script></body></html>"#;
    assert!(matches!(
        parse_search_page(visitor, "x", None),
        Err(PageError::Blocked { .. })
    ));
    assert!(matches!(
        parse_hot_search(visitor, "x", None),
        Err(PageError::Blocked { .. })
    ));
    let login = r#"<html><head><title>新浪通行证</title></head><body>请登录</body></html>"#;
    assert!(matches!(
        parse_search_page(login, "x", None),
        Err(PageError::Blocked { .. })
    ));
    assert!(matches!(
        parse_hot_search(
            r#"{"ok":-100,"url":"https://passport.weibo.com/sso/signin"}"#,
            "x",
            None
        ),
        Err(PageError::Blocked { .. })
    ));
    // Post text that quotes an error message is not a block.
    let html = std::fs::read_to_string(samples().join("search-gbk.html"));
    assert!(html.is_err() || !html.unwrap().is_empty());
    let bytes = std::fs::read(samples().join("search-gbk.html")).unwrap();
    let (text, _) = trendwatch_scraper::decode_body(&bytes, None);
    assert!(parse_search_page(&text, "x", None).is_ok());
    // A query for "登录" that finds nothing is an empty result page, not a login wall.
    let no_login = r#"<html><head><title>登录_微博搜索</title></head><body><div class="card-wrap"><div class="card card-no-result"><p>抱歉，未找到“登录”相关结果。</p></div></div></body></html>"#;
    assert!(
        parse_search_page(no_login, "x", None)
            .unwrap()
            .records
            .is_empty()
    );
    // An empty result page is neither blocked nor an error.
    let empty = r#"<html><head><title>微博搜索</title></head><body><div class="card-wrap"><div class="card card-no-result s-pt20b40"><p>抱歉，未找到相关结果。</p></div></div></body></html>"#;
    let page = parse_search_page(empty, "x", None).unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.next_href, None);
}

#[test]
fn formats_are_detected_from_content() {
    let detect = |name: &str| detect_format(&std::fs::read(samples().join(name)).unwrap());
    assert_eq!(detect("mblog-lines.jsonl"), Some(Format::JsonLines));
    assert_eq!(detect("api-page.json"), Some(Format::ApiPage));
    assert_eq!(detect("hot-search.json"), Some(Format::HotSearchJson));
    assert_eq!(detect("search-2020.html"), Some(Format::SearchHtml));
    assert_eq!(detect("search-2023.html"), Some(Format::SearchHtml));
    assert_eq!(detect("hot-summary.html"), Some(Format::HotSearchHtml));
    assert_eq!(detect_format(b"hello"), None);
}
