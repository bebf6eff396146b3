//! Behaviour of the built-in rules on hand-picked posts: complaints, hard negatives, reposts,
//! topics, normalisation, explanations and custom rules files.

use trendwatch_classifier::{Classifier, RulesError, input::post_from_text};
use trendwatch_model::{Post, Symptom, Tags, Topic, TopicKind};

fn c() -> Classifier {
    Classifier::builtin()
}

fn post(text: &str, topics: &[&str]) -> Post {
    let mut p = post_from_text("1", text);
    p.topics = topics.iter().map(|t| (*t).to_owned()).collect();
    p
}

#[track_caller]
fn complaint(text: &str, service: Option<&str>) -> Tags {
    let tags = c().classify_text(text);
    assert!(
        tags.outage_complaint,
        "expected a complaint: {text:?}\n{:#?}",
        c().explain(&post(text, &[]), None)
    );
    assert_eq!(tags.service.as_deref(), service, "service of {text:?}");
    tags
}

#[track_caller]
fn not_complaint(text: &str) -> Tags {
    let tags = c().classify_text(text);
    assert!(
        !tags.outage_complaint,
        "expected no complaint: {text:?}\n{:#?}",
        c().explain(&post(text, &[]), None)
    );
    tags
}

#[test]
fn builtin_rules_compile() {
    let c = c();
    assert!(c.phrase_count() > 500);
    assert_eq!(c.service_display("wechat"), Some("WeChat"));
    assert!(c.service_ids().any(|s| s == "12306"));
    assert!(c.normaliser().mapped_chars() > 300);
}

#[test]
fn synth_demo_complaints() {
    complaint("微信崩了", Some("wechat"));
    complaint("微信又崩了？？登不上 [怒]", Some("wechat"));
    complaint(
        "Access denied. Please check your network setting.",
        Some("wechat"),
    );
    complaint("Is WeChat down for anyone else?", Some("wechat"));
    let t = complaint("微信消息发不出去，一直转圈", Some("wechat"));
    assert_eq!(
        t.symptoms,
        vec![Symptom::CannotSendMessages, Symptom::SlowOrTimeout]
    );
    let t = complaint("登不上", None);
    assert_eq!(t.symptoms, vec![Symptom::LoginFailure]);
}

#[test]
fn complaints_get_the_derived_topic() {
    let t = complaint("微信崩了，消息发不出去", Some("wechat"));
    assert_eq!(
        t.topics,
        vec![Topic {
            name: "WeChat outage".into(),
            kind: TopicKind::Outage,
            service: Some("wechat".into())
        }]
    );
}

#[test]
fn hard_negatives() {
    not_complaint("我的心态崩了");
    not_complaint("玩王者荣耀连输五把，心态崩了");
    not_complaint("手机挂了，晚点回你微信");
    not_complaint("在微信群里挂了两个文档，大家自己下载");
    let t = not_complaint("据报道，微信昨晚出现大面积故障，腾讯回应称已修复");
    assert!(t.outage_mention);
    assert_eq!(t.service.as_deref(), Some("wechat"));
    let t = not_complaint("微信已恢复正常");
    assert!(t.outage_mention);
    not_complaint("爱奇艺会员又涨价了，太贵了");
    not_complaint("淘宝双十一领券满减，点击链接下单");
    let t = not_complaint("刚用支付宝交了电费");
    assert!(!t.outage_mention);
    assert_eq!(t.service.as_deref(), Some("alipay"));
    not_complaint("I'm down for dinner, text me on WeChat");
    not_complaint("Just downloaded WeChat for my trip to Shanghai");
    not_complaint("我这微信好好的，没崩啊");
}

#[test]
fn service_attribution_prefers_the_nearest_alias() {
    complaint("QQ还能用，微信彻底挂了", Some("wechat"));
    complaint("微信崩了，只能用QQ发消息了", Some("wechat"));
}

#[test]
fn normalises_width_case_and_script() {
    complaint("ＷＥＣＨＡＴ is DOWN again", Some("wechat"));
    complaint("微信當機了，訊息發不出去", Some("wechat"));
}

#[test]
fn explicit_topics_are_typed() {
    let tags = c().classify(&post("#微信崩了# 又来了", &["微信崩了"]), None);
    assert!(tags.outage_complaint);
    assert!(tags.topics.contains(&Topic {
        name: "微信崩了".into(),
        kind: TopicKind::Outage,
        service: Some("wechat".into())
    }));
    assert!(tags.topics.contains(&Topic {
        name: "WeChat outage".into(),
        kind: TopicKind::Outage,
        service: Some("wechat".into())
    }));
    let tags = c().classify(
        &post(
            "冲！",
            &["WeChatDown", "支付宝又崩了", "今天吃什么", "淘宝双十一"],
        ),
        None,
    );
    let kinds: Vec<_> = tags
        .topics
        .iter()
        .map(|t| (t.name.as_str(), t.kind, t.service.as_deref()))
        .collect();
    assert!(
        kinds.contains(&("WeChatDown", TopicKind::Outage, Some("wechat"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("支付宝又崩了", TopicKind::Outage, Some("alipay"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("今天吃什么", TopicKind::Trend, None)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("淘宝双十一", TopicKind::Trend, Some("taobao"))),
        "{kinds:?}"
    );
    // Sorted and deduplicated.
    let mut sorted = tags.topics.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, tags.topics);
}

#[test]
fn hashtag_gives_the_service_to_a_bare_symptom() {
    let tags = c().classify(&post("#支付宝崩了# 付款码刷不出来", &["支付宝崩了"]), None);
    assert!(tags.outage_complaint);
    assert_eq!(tags.service.as_deref(), Some("alipay"));
    assert_eq!(tags.symptoms, vec![Symptom::PaymentFailure]);
}

#[test]
fn reposts_inherit_complaints() {
    let c = c();
    let parent = c.classify(&post("#微信崩了# 消息发不出去", &["微信崩了"]), None);
    let tags = c.classify(&post("转发微博", &[]), Some(&parent));
    assert!(tags.outage_complaint);
    assert_eq!(tags.service.as_deref(), Some("wechat"));
    assert_eq!(tags.symptoms, vec![Symptom::CannotSendMessages]);
    assert!(tags.topics.iter().any(|t| t.name == "WeChat outage"));
    assert!(tags.topics.iter().any(|t| t.name == "微信崩了"));
    // A repost that argues against the complaint does not inherit it.
    let tags = c.classify(&post("我这边正常啊", &[]), Some(&parent));
    assert!(!tags.outage_complaint);
    // A non-complaint parent gives nothing.
    let ordinary = c.classify(&post("微信发了个红包", &[]), None);
    assert!(
        !c.classify(&post("转发微博", &[]), Some(&ordinary))
            .outage_complaint
    );
    // Laughs and memes in a bare repost do not argue against the complaint.
    for own in [
        "哈哈哈哈 我也是",
        "笑死，同",
        "我男朋友也这样",
        "Repost lol haha",
    ] {
        let tags = c.classify(&post(own, &[]), Some(&parent));
        assert!(tags.outage_complaint, "{own:?} should inherit");
    }
    // The repost chain in the text counts.
    complaint("同//@小王: 微信又崩了", Some("wechat"));
}

#[test]
fn explain_names_the_rules() {
    let e = c().explain(&post("微信崩了 [怒]", &[]), None);
    assert!(e.tags.outage_complaint);
    assert!(e.evidence);
    assert!(e.score >= e.threshold);
    assert!(e.fired.iter().any(|f| f.rule == "service:wechat"));
    assert!(
        e.fired
            .iter()
            .any(|f| f.rule == "zh.down.collapse" && f.weight > 0)
    );
    assert!(e.fired.iter().any(|f| f.kind == "boost"));
    let e = c().explain(&post("我的心态崩了", &[]), None);
    assert!(e.fired.iter().any(|f| f.kind == "mask"));
    assert!(!e.evidence);
    assert_eq!(e.tags, c().classify(&post("我的心态崩了", &[]), None));
}

#[test]
fn custom_rules_files_add_services() {
    let toml = r#"
[[service]]
id = "acme"
display = "Acme"
aliases = ["阿克米", "acme"]

[[rule]]
id = "down"
kind = "complaint"
needs_service = true
patterns = ["崩了", "is down"]
"#;
    let c = Classifier::from_toml_str(toml).unwrap();
    let t = c.classify_text("阿克米崩了");
    assert!(t.outage_complaint);
    assert_eq!(t.service.as_deref(), Some("acme"));
    assert_eq!(t.topics[0].name, "Acme outage");
    assert!(!c.classify_text("微信崩了").outage_complaint);
}

#[test]
fn bad_rules_files_are_reported_with_their_location() {
    let err = Classifier::from_toml_str("[[service]]\nid = \"x\"\n").unwrap_err();
    assert!(matches!(err, RulesError::Toml(_)));
    assert!(err.to_string().contains("line"), "{err}");
    let err = Classifier::from_toml_str(
        "[[service]]\nid = \"WeChat\"\ndisplay = \"W\"\naliases = [\"w\"]\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("service #1"), "{err}");
    let err = Classifier::from_toml_str(
        "[[service]]\nid = \"a\"\ndisplay = \"A\"\naliases = [\"ａ\"]\n[[rule]]\nid = \"r\"\nkind = \"boost\"\npatterns = [\"A\"]\n",
    )
    .unwrap_err();
    assert!(matches!(err, RulesError::DuplicatePhrase { .. }), "{err}");
    let err = Classifier::from_toml_str(
        "[[rule]]\nid = \"r\"\nkind = \"complaint\"\nservice = \"nope\"\npatterns = [\"x\"]\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown service"), "{err}");
    let err = Classifier::from_toml_str("[normalise]\nt2s = \"發\"\n").unwrap_err();
    assert!(err.to_string().contains("t2s"), "{err}");
}

#[test]
fn never_panics_on_odd_input() {
    let c = c();
    for text in [
        "",
        " ",
        "<",
        "<a",
        "#",
        "##",
        "//@",
        "\u{0}",
        "🙂🙂",
        "ＡＢＣ",
        "崩",
        "down",
        "<img alt=\"[怒]\">",
    ] {
        let _ = c.classify(
            &post(text, &[text]),
            Some(&Tags {
                outage_complaint: true,
                ..Tags::default()
            }),
        );
        let _ = c.explain(&post(text, &[]), None);
    }
}

#[test]
fn generic_failure_words_need_a_service_and_give_hinted_symptoms() {
    let t = complaint("支付宝充值失败，怎么回事", Some("alipay"));
    assert_eq!(t.symptoms, vec![Symptom::PaymentFailure]);
    let t = complaint("微信(未连接)，消息一直收取中", Some("wechat"));
    assert!(t.symptoms.contains(&Symptom::CannotSendMessages));
    not_complaint("拼多多砍价失败，差0.01");
    not_complaint("小红书上说这家店异常好吃");
    not_complaint("今天减肥失败了");
    not_complaint("微信上朋友问我怎么了");
    not_complaint("My mom won't let me use Douyin");
}

#[test]
fn subject_first_cues_ignore_a_service_named_after_them() {
    not_complaint("我家wifi挂了，只能用流量刷微信");
    not_complaint("手机没电挂了，刚充上，微信消息一大堆");
    complaint("微信挂了，只能用QQ了", Some("wechat"));
}

#[test]
fn english_distance_is_counted_in_words() {
    let t = not_complaint("WeChat apologized for yesterday's outage");
    assert!(t.outage_mention);
    complaint("can't get into WeChat at all this morning", Some("wechat"));
}

#[test]
fn classifier_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
    let c = c();
    let results: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = ["微信崩了", "今天天气真好"]
            .into_iter()
            .map(|text| {
                let c = &c;
                s.spawn(move || c.classify_text(text).outage_complaint)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .collect()
    });
    assert_eq!(results, vec![true, false]);
}

#[test]
fn anchored_failures_need_no_service() {
    // The hint names what fails, a generic failure cue right after says it fails.
    let t = complaint("登录一直失败，换了网络也不行", None);
    assert_eq!(t.symptoms, vec![Symptom::LoginFailure]);
    let t = complaint("付款页面卡住不动，急死了", None);
    assert!(t.symptoms.contains(&Symptom::PaymentFailure), "{t:?}");
    complaint("消息一直显示发送中", None);
    complaint("login keeps failing, is it just me?", None);
    // Too far apart, or a failure of something else: no complaint.
    not_complaint("这个账号是我大学时注册的，现在想想那几年过得挺失败");
    not_complaint("体检报告出来了，好几项数据异常");
    not_complaint("减肥又失败了");
}

#[test]
fn second_pass_vocabulary() {
    complaint("微信一直提示服务器繁忙", Some("wechat"));
    complaint("支付宝报502了", Some("alipay"));
    complaint("淘宝开屏之后直接退回桌面", Some("taobao"));
    complaint("Weibo says server busy, try again later", Some("weibo"));
    complaint("QQ keeps crashing every time I open it", Some("qq"));
    complaint(
        "is it just me or is Bilibili stuck on loading?",
        Some("bilibili"),
    );
    // Jokes, moods, markets and notices with outage words.
    not_complaint("今天股票又崩了，绿油油一片");
    not_complaint("听完这个消息我人直接崩了");
    not_complaint("减肥第三天，意志力宕机了");
    not_complaint("微信恢复正常了，虚惊一场");
    not_complaint("微博就故障发布说明：系存储系统异常");
    not_complaint("crypto crashed again, my WeChat group is crying");
}
