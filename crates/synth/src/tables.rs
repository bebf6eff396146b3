//! Template tables: topics, phrases, names, emoji and clients.
//!
//! Every string here is written verbatim inside a JSON string, so none may contain `"`, `\` or
//! a control character (a unit test checks this). HTML attribute quotes are added by the
//! renderer, already escaped.

/// What kind of everyday topic a hashtag is; selects the phrases posted with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Festival,
    Tech,
    Weather,
    Sports,
    Tv,
    Celebrity,
    Finance,
    Life,
    Games,
}

/// One steady background topic: hashtag, category, base rate (posts per second at scale 1 and
/// rhythm 1), the hour shift of its day/night rhythm and the rhythm's amplitude.
pub(crate) struct TopicSpec {
    pub name: &'static str,
    pub category: Category,
    pub rate: f64,
    pub shift_hours: i32,
    pub amplitude: f64,
}

const fn t(
    name: &'static str,
    category: Category,
    rate: f64,
    shift_hours: i32,
    amplitude: f64,
) -> TopicSpec {
    TopicSpec {
        name,
        category,
        rate,
        shift_hours,
        amplitude,
    }
}

use Category::*;

/// The steady everyday topics of 13 September 2015.
pub(crate) const TOPICS: &[TopicSpec] = &[
    t("中秋节", Festival, 1.2, 0, 0.8),
    t("月饼", Festival, 0.4, 0, 0.9),
    t("教师节", Festival, 0.08, 0, 0.6),
    t("iPhone6s", Tech, 1.0, 0, 0.7),
    t("苹果发布会", Tech, 0.3, 0, 0.7),
    t("小米", Tech, 0.35, 0, 0.8),
    t("华为", Tech, 0.3, 0, 0.8),
    t("魅族", Tech, 0.12, 0, 0.8),
    t("北京天气", Weather, 0.5, -1, 0.6),
    t("上海天气", Weather, 0.25, -1, 0.6),
    t("雾霾", Weather, 0.2, -1, 0.7),
    t("堵车", Weather, 0.15, -2, 0.9),
    t("英超", Sports, 0.5, 2, 1.0),
    t("中超", Sports, 0.3, 1, 0.9),
    t("NBA", Sports, 0.35, 2, 0.9),
    t("中国男篮", Sports, 0.25, 1, 0.9),
    t("国足", Sports, 0.2, 1, 0.9),
    t("花千骨", Tv, 0.4, 1, 1.0),
    t("琅琊榜", Tv, 0.35, 1, 1.0),
    t("奔跑吧兄弟", Tv, 0.45, 1, 1.0),
    t("快乐大本营", Tv, 0.3, 1, 1.0),
    t("中国好声音", Tv, 0.4, 1, 1.0),
    t("爸爸去哪儿", Tv, 0.2, 1, 1.0),
    t("极限挑战", Tv, 0.25, 1, 1.0),
    t("鹿晗", Celebrity, 0.6, 0, 0.8),
    t("杨幂", Celebrity, 0.4, 0, 0.8),
    t("TFBOYS", Celebrity, 0.7, 0, 0.9),
    t("Angelababy", Celebrity, 0.35, 0, 0.8),
    t("吴亦凡", Celebrity, 0.45, 0, 0.8),
    t("胡歌", Celebrity, 0.35, 0, 0.8),
    t("李易峰", Celebrity, 0.3, 0, 0.8),
    t("赵丽颖", Celebrity, 0.3, 0, 0.8),
    t("今日股市", Finance, 0.25, -2, 0.5),
    t("A股", Finance, 0.2, -2, 0.5),
    t("美食", Life, 0.45, 0, 0.9),
    t("旅行", Life, 0.3, 0, 0.7),
    t("健身", Life, 0.2, -1, 0.8),
    t("电影", Life, 0.3, 1, 1.0),
    t("读书", Life, 0.12, 1, 0.7),
    t("摄影", Life, 0.2, 0, 0.7),
    t("萌宠", Life, 0.3, 0, 0.8),
    t("成都美食", Life, 0.1, 0, 0.9),
    t("星座", Life, 0.25, 1, 0.9),
    t("周末", Life, 0.3, 0, 0.6),
    t("开学季", Life, 0.15, -1, 0.7),
    t("淘宝", Life, 0.15, 1, 0.8),
    t("英雄联盟", Games, 0.3, 2, 1.0),
    t("DOTA2", Games, 0.1, 2, 1.0),
];

/// Phrases posted with a topic of the given category.
pub(crate) fn category_phrases(category: Category) -> &'static [&'static str] {
    match category {
        Festival => &[
            "月饼买好了吗",
            "今年中秋回家吗？",
            "五仁月饼到底好不好吃",
            "公司发月饼了，开心",
            "提前祝大家中秋快乐",
            "想家了",
        ],
        Tech => &[
            "新手机到底值不值得买",
            "预约了，坐等发货",
            "玫瑰金真好看",
            "有人抢到了吗？",
            "3D Touch 好像挺好玩",
            "Pre-ordered, can't wait!",
            "续航能撑一天吗",
        ],
        Weather => &[
            "今天空气不错",
            "出门记得带伞",
            "蓝天白云，心情好",
            "降温了，多穿点",
            "又堵在路上了",
            "这天气适合睡觉",
        ],
        Sports => &[
            "昨晚的比赛太精彩了",
            "这球进得漂亮",
            "主队加油！",
            "裁判又在搞事情",
            "熬夜看球的举手",
            "What a goal!",
            "下一轮有好戏看了",
        ],
        Tv => &[
            "今晚更新了吗",
            "剧情好虐",
            "演技太好了",
            "追剧停不下来",
            "这期太好笑了",
            "坐等下一期",
        ],
        Celebrity => &[
            "好喜欢这首歌",
            "期待新作品",
            "今天的造型好帅",
            "一直支持你",
            "新剧什么时候播？",
            "机场照好好看",
        ],
        Finance => &[
            "下周会涨吗",
            "满仓踏空",
            "稳住别慌",
            "基金终于回本了",
            "周末看看研报",
        ],
        Life => &[
            "晒一下今天的午饭",
            "跑了10公里，打卡",
            "推荐一本好书",
            "这家店的面真好吃",
            "出发去旅行啦",
            "猫主子又在捣乱",
            "今天拍的照片",
            "Happy Sunday!",
        ],
        Games => &[
            "今晚开黑吗",
            "又输了一局",
            "新版本平衡性怎么样",
            "上分成功",
            "队友太坑了",
        ],
    }
}

/// Fillers appended to everyday posts.
pub(crate) const FILLERS: &[&str] = &[
    "哈哈哈",
    "有人一起吗",
    "不错不错",
    "分享一下",
    "真的是",
    "就这样吧",
    "求推荐",
    "大家觉得呢？",
];

/// Plain posts without a hashtag.
pub(crate) const PLAIN: &[&str] = &[
    "今天天气不错",
    "午饭吃什么",
    "好困，想睡觉",
    "周末愉快",
    "在路上",
    "刚看完一部电影，推荐",
    "下雨了",
    "加油！",
    "哈哈哈哈哈",
    "分享图片",
    "Good morning",
    "Happy Sunday",
    "明天又要上班了",
    "今天的晚霞好美",
    "终于把房间收拾干净了",
    "这首歌单曲循环了一下午",
    "奶茶续命",
    "谁能告诉我这是什么花",
    "打卡",
    "晚饭自己做的，还不错",
];

/// Ordinary WeChat mentions that are not complaints.
pub(crate) const WECHAT_MENTIONS: &[&str] = &[
    "用微信转给你了",
    "微信支付真方便",
    "Add me on WeChat",
    "晚上微信聊",
    "微信红包抢到了5块",
    "刚用微信支付买了咖啡",
    "微信群里说了，大家看一下",
    "My WeChat ID is in my bio",
    "加我微信吧",
    "文件用微信发你了",
    "扫一扫加微信",
    "今天在微信上看到一篇好文章",
];

/// Everyday grumbles about services, a small baseline of complaints all day.
/// Each entry is (service id, text).
pub(crate) const GRUMBLES: &[(&str, &str)] = &[
    ("alipay", "支付宝付款失败了好几次"),
    ("alipay", "支付宝怎么又要重新登录"),
    ("12306", "12306又刷不出票"),
    ("12306", "12306验证码看不懂"),
    ("qq", "QQ掉线了"),
    ("qq", "QQ消息延迟好严重"),
    ("didi", "滴滴一直叫不到车"),
    ("baidu_pan", "百度云下载好慢"),
    ("wechat", "微信好卡啊"),
    ("taobao", "淘宝页面加载不出来"),
];

/// Topic hashtags carried by outage complaints.
pub(crate) const OUTAGE_TOPICS: &[&str] = &["微信崩了", "微信故障", "WeChatDown"];

/// Chinese complaint cores.
pub(crate) const COMPLAINT_CN: &[&str] = &[
    "微信崩了",
    "微信崩了？？",
    "微信登不上了",
    "微信怎么又挂了",
    "消息发不出去",
    "微信是不是崩了",
    "微信登录一直失败",
    "只有我的微信上不去吗",
    "微信一直显示Access denied. Please check your network setting.",
    "iPhone上微信登不上，一直提示网络错误",
    "微信又挂了，消息一直转圈",
    "微信连不上，是我网的问题还是微信的问题",
    "微信崩了，工作群的消息都发不出去",
    "微信掉线了，重新登录显示Access denied",
];

/// Chinese complaint extras.
pub(crate) const COMPLAINT_CN_EXTRA: &[&str] = &[
    "急死了",
    "有人一样吗？",
    "什么情况？",
    "一直在转圈",
    "重启了三次还是不行",
    "换了4G也不行",
    "还以为手机坏了",
    "客户还在等我回消息",
];

/// English complaint cores.
pub(crate) const COMPLAINT_EN: &[&str] = &[
    "Access denied. Please check your network setting.",
    "Is WeChat down for anyone else?",
    "WeChat is down again",
    "WeChat keeps saying Access denied. Please check your network setting.",
    "Can't log in to WeChat on my iPhone",
    "WeChat down? Messages won't send",
    "Anyone else getting 'Access denied' on WeChat?",
];

/// Short complaint texts quoted in repost chains (`//@someone:…`).
pub(crate) const REPOST_CHAIN_CN: &[&str] = &[
    "微信又崩了",
    "微信登不上了",
    "我也是",
    "同崩",
    "消息发不出去",
    "原来不是我一个人",
];

/// Standalone repost texts.
pub(crate) const REPOST_PLAIN: &[&str] = &["转发微博", "同上", "+1", "我也是", "同崩"];

/// English repost texts.
pub(crate) const REPOST_EN: &[&str] = &["Same here", "Me too", "Same, WeChat is down"];

/// Outage news texts, posted by media accounts.
pub(crate) const NEWS: &[&str] = &[
    "微信回应：部分iOS用户无法登录，正在修复",
    "【微信回应：部分iOS用户无法登录，正在修复】今天下午，不少iPhone用户反映微信无法登录，提示“Access denied. Please check your network setting.”，微信团队回应称工程师正在紧急修复。",
    "据网友反映，今天13时起微信出现大面积登录异常，iOS用户受影响较多。",
    "微信团队：部分iOS用户无法登录，工程师正在紧急修复，给大家带来不便深表歉意",
    "WeChat says some iOS users cannot log in; a fix is under way",
];

/// Neutral texts of reposts of outage news.
pub(crate) const NEWS_REPOST: &[&str] = &["转发微博", "关注", "终于回应了", "mark", "坐等修复"];

/// Recovery posts, after about 15:30.
pub(crate) const RECOVERY: &[&str] = &[
    "微信恢复了",
    "微信终于好了",
    "微信恢复正常了，吓死我了",
    "WeChat is back",
    "能登上了",
    "恢复了恢复了",
    "微信好了",
    "WeChat works again, finally",
];

/// Weibo emoji: (alt text without brackets, image file stem).
pub(crate) const EMOJI_ANGRY: &[(&str, &str)] = &[
    ("怒", "d_nu-48b3a9f1d2"),
    ("抓狂", "d_zhuakuang-2c4a8e61b3"),
    ("泪", "d_lei-0f6d5c2a91"),
    ("衰", "d_shuai-a7e1c9b044"),
    ("晕", "d_yun-5b2e0d8c13"),
    ("汗", "d_han-9c1f7a2e60"),
];

/// Cheerful Weibo emoji.
pub(crate) const EMOJI_HAPPY: &[(&str, &str)] = &[
    ("哈哈", "d_haha-1e7b5c0a4f"),
    ("嘻嘻", "d_xixi-6a0c2f9d31"),
    ("doge", "d_doge-3f8e1b7a25"),
    ("微笑", "d_hehe-7d2a6c9e08"),
    ("心", "l_xin-43af9086c0"),
    ("赞", "h_zan-2b5d8f1e7c"),
    ("鼓掌", "d_guzhang-0c9a3e5b71"),
];

/// iOS clients (the outage hit iPhone users).
pub(crate) const SOURCES_IOS: &[&str] = &[
    "iPhone 6",
    "iPhone 6 Plus",
    "iPhone 5s",
    "iPhone客户端",
    "iPad mini",
];

/// Other clients.
pub(crate) const SOURCES_OTHER: &[&str] = &[
    "Android",
    "小米手机4",
    "HUAWEI Mate 7",
    "OPPO R7",
    "vivo X5Pro",
    "三星Galaxy S6",
    "魅族MX5",
    "微博 weibo.com",
];

/// Media accounts that post outage news: (screen name, followers).
pub(crate) const MEDIA: &[(&str, u64)] = &[
    ("科技快讯", 2_310_000),
    ("每日科技报", 864_000),
    ("互联网观察", 1_520_000),
    ("IT时报速递", 412_000),
    ("China Tech Daily", 96_000),
    ("手机新闻网", 733_000),
    ("新闻晨播", 5_870_000),
    ("财经新知", 1_090_000),
];

/// Parts of generated Chinese screen names.
pub(crate) const NAME_PREFIX: &[&str] = &[
    "小",
    "大",
    "阿",
    "老",
    "",
    "",
    "我是",
    "爱吃",
    "快乐的",
    "北京的",
    "上海的",
    "成都的",
    "安静的",
    "会飞的",
];

/// Cores of generated screen names.
pub(crate) const NAME_CORE: &[&str] = &[
    "鱼", "猫", "熊", "米粒", "橙子", "豆豆", "星星", "叶子", "木木", "糖糖", "包子", "土豆",
    "兔子", "企鹅", "可乐", "西瓜", "饺子", "桃子", "布丁", "飞鸟", "石头", "晴天", "小雨", "阿杰",
    "阿辉", "子涵", "思雨", "浩然", "一诺", "梓萱",
];

/// Suffixes of generated screen names.
pub(crate) const NAME_SUFFIX: &[&str] = &[
    "",
    "",
    "",
    "酱",
    "君",
    "同学",
    "呀",
    "哥",
    "姐",
    "的日常",
    "不吃鱼",
    "在路上",
    "很忙",
];

/// English given names for generated screen names.
pub(crate) const NAME_EN: &[&str] = &[
    "Lucy", "Kevin", "Momo", "Jason", "Vivian", "Eric", "Coco", "Tony", "Amy", "Leo", "Cherry",
    "Sunny", "Jack", "Yoyo", "Lily", "Sam",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn all_strings() -> Vec<&'static str> {
        let mut all: Vec<&'static str> = Vec::new();
        for topic in TOPICS {
            all.push(topic.name);
            all.extend_from_slice(category_phrases(topic.category));
        }
        for list in [
            FILLERS,
            PLAIN,
            WECHAT_MENTIONS,
            OUTAGE_TOPICS,
            COMPLAINT_CN,
            COMPLAINT_CN_EXTRA,
            COMPLAINT_EN,
            REPOST_CHAIN_CN,
            REPOST_PLAIN,
            REPOST_EN,
            NEWS,
            NEWS_REPOST,
            RECOVERY,
            SOURCES_IOS,
            SOURCES_OTHER,
            NAME_PREFIX,
            NAME_CORE,
            NAME_SUFFIX,
            NAME_EN,
        ] {
            all.extend_from_slice(list);
        }
        for (service, text) in GRUMBLES {
            all.push(service);
            all.push(text);
        }
        for (alt, stem) in EMOJI_ANGRY.iter().chain(EMOJI_HAPPY) {
            all.push(alt);
            all.push(stem);
        }
        for (name, _) in MEDIA {
            all.push(name);
        }
        all
    }

    #[test]
    fn every_table_string_is_json_and_html_safe() {
        for s in all_strings() {
            assert!(
                !s.chars()
                    .any(|c| c == '"' || c == '\\' || c == '<' || c == '>' || c.is_control()),
                "unsafe table string {s:?}"
            );
        }
    }

    #[test]
    fn topics_are_distinct_and_not_outage_topics() {
        let mut names: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOPICS.len());
        assert!(TOPICS.len() >= 40);
        for outage in OUTAGE_TOPICS {
            assert!(!names.contains(outage));
        }
    }
}
