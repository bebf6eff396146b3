//! The streaming engine: rates per minute, post counts per second, one post at a time.
//!
//! Time advances one second (a "tick") at a time. Every minute the rate of each component
//! (each steady topic, plain posts, WeChat mentions, complaints, …) is evaluated; every second
//! a noisy total rate is accumulated and rounded, giving that second's post count; each post
//! then picks its component in proportion to the rates. Memory is constant: a few rings of
//! recent originals (for reposts) and a heap of the few posts held back as late.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::curve::{OUTAGE_NEW, OUTAGE_NEWS, OUTAGE_NEWS_REPOST, OUTAGE_REPEAT, RECOVERY, rhythm};
use crate::ids::{BEIJING_SECS, MID_PER_SECOND, mid};
use crate::render::{Author, Draft, TextKind, push_mblog};
use crate::rng::{Draw, StreamRng};
use crate::tables::{GRUMBLES, MEDIA, SOURCES_IOS, SOURCES_OTHER, TOPICS};
use crate::{PostKind, PostMeta, Scenario};

/// 2015-09-13 13:00 +08:00, the outage onset, in Unix seconds.
pub(crate) const ONSET: i64 = 1_442_120_400;
/// Distinct outage participants between 13:00 and 15:00 at scale 1.
pub(crate) const PARTICIPANTS_AT_SCALE_1: f64 = 350_000.0;
/// Length of the participant-count window, in minutes (13:00–15:00).
pub(crate) const PARTICIPANT_WINDOW_MINUTES: i64 = 120;
/// Repeated complaints relative to new participants, at the curves' peaks.
const REPEAT_RATIO: f64 = 0.9;
/// Relative standard deviation of the per-second total rate.
const SECOND_NOISE: f64 = 0.25;
/// Base rates (posts per second at scale 1 and rhythm 1).
const PLAIN_RATE: f64 = 7.0;
const MENTION_RATE: f64 = 1.2;
const GRUMBLE_RATE: f64 = 0.15;
const NEWS_RATE: f64 = 0.02;
const NEWS_REPOST_RATE: f64 = 3.0;
const RECOVERY_RATE: f64 = 8.0;
/// Population members per unit of scale.
const POPULATION_AT_SCALE_1: f64 = 3_000_000.0;
/// Capacity of the rings of recent originals.
const RING: usize = 512;

/// Component indexes after the topics.
const PLAIN: usize = TOPICS.len();
const MENTION: usize = PLAIN + 1;
const GRUMBLE: usize = PLAIN + 2;
const NEW: usize = PLAIN + 3;
const REPEAT: usize = PLAIN + 4;
const NEWS: usize = PLAIN + 5;
const NEWS_REPOST: usize = PLAIN + 6;
const RECOVER: usize = PLAIN + 7;
/// Number of components.
pub(crate) const COMPONENTS: usize = PLAIN + 8;

/// The scenario's numbers, sanitised and precomputed.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub start: i64,
    pub end: i64,
    pub outage: bool,
    pub scale: f64,
    pub seed: u64,
    /// New participants per second at curve value 1.
    pub new_peak: f64,
    /// Multiplier from expected counts to produced counts (1, or N / expected in exact mode).
    pub factor: f64,
    /// Multiplier from the accumulated noisy rate to the cumulative post count.
    pub count_factor: f64,
    /// Expected number of posts before `factor`.
    pub expected: f64,
    pub population: u64,
    pub late_share: f64,
    pub max_lateness: i64,
}

impl Plan {
    /// Builds the plan of a scenario (invalid numbers are clamped; see `Scenario::validate`).
    pub(crate) fn new(scenario: &Scenario) -> Plan {
        let scale = if scenario.scale.is_finite() && scenario.scale > 0.0 {
            scenario.scale.min(crate::MAX_SCALE)
        } else {
            0.0
        };
        let start = scenario.start.timestamp();
        let end = scenario
            .end
            .timestamp()
            .clamp(start, start + crate::MAX_WINDOW_SECS);
        let window_sum = OUTAGE_NEW.minute_sum(0, PARTICIPANT_WINDOW_MINUTES);
        let new_peak = PARTICIPANTS_AT_SCALE_1 * scale / (window_sum * 60.0);
        let mut plan = Plan {
            start,
            end,
            outage: scenario.outage,
            scale,
            seed: scenario.seed,
            new_peak,
            factor: 1.0,
            count_factor: 1.0,
            expected: 0.0,
            population: 0,
            late_share: if scenario.late_share.is_finite() {
                scenario.late_share.clamp(0.0, 1.0)
            } else {
                0.0
            },
            max_lateness: i64::from(scenario.max_lateness_secs.min(crate::MAX_LATENESS_SECS)),
        };
        // Clamping the noise at zero biases it upwards; rescaling the noisy sum to the target
        // (the clean expectation, or the requested number of posts) removes the bias.
        let (clean, noisy) = plan.total_rates();
        plan.expected = clean;
        let target = scenario.posts.map_or(clean, |posts| posts as f64);
        plan.count_factor = if noisy > 0.0 { target / noisy } else { 0.0 };
        plan.factor = if clean > 0.0 { target / clean } else { 0.0 };
        let people = (POPULATION_AT_SCALE_1 * scale * plan.factor).round();
        plan.population = if people.is_finite() {
            (people as u64).clamp(2_000, 4_000_000_000)
        } else {
            2_000
        };
        plan
    }

    /// Rates (posts per second) of every component in the minute starting at `minute_ts`;
    /// returns their sum.
    pub(crate) fn minute_rates(&self, minute_ts: i64, rates: &mut [f64; COMPONENTS]) -> f64 {
        let mid = minute_ts + 30;
        let hour = (mid + BEIJING_SECS).rem_euclid(86_400) as f64 / 3600.0;
        let base = rhythm(hour);
        let s = self.scale;
        for (rate, topic) in rates.iter_mut().zip(TOPICS) {
            let r = rhythm(hour + f64::from(topic.shift_hours));
            *rate = s * topic.rate * (1.0 + topic.amplitude * (r - 1.0));
        }
        rates[PLAIN] = s * PLAIN_RATE * base;
        rates[MENTION] = s * MENTION_RATE * base;
        rates[GRUMBLE] = s * GRUMBLE_RATE * base;
        if self.outage {
            let x = (mid - ONSET) as f64 / 60.0;
            rates[NEW] = self.new_peak * OUTAGE_NEW.at(x);
            rates[REPEAT] = self.new_peak * REPEAT_RATIO * OUTAGE_REPEAT.at(x);
            rates[NEWS] = NEWS_RATE * s.sqrt() * OUTAGE_NEWS.at(x);
            rates[NEWS_REPOST] = s * NEWS_REPOST_RATE * OUTAGE_NEWS_REPOST.at(x);
            rates[RECOVER] = s * RECOVERY_RATE * RECOVERY.at(x);
        } else {
            rates[NEW..].iter_mut().for_each(|r| *r = 0.0);
        }
        rates.iter().sum()
    }

    /// The expected number of posts in the window, and the sum of every second's noisy rate
    /// (replaying the same noise the generator will use).
    fn total_rates(&self) -> (f64, f64) {
        let mut noise = StreamRng::new(self.seed, NOISE_STREAM);
        let mut rates = [0.0; COMPONENTS];
        let (mut clean, mut noisy) = (0.0, 0.0);
        let mut lambda = 0.0;
        for tick in self.start..self.end {
            if (tick - self.start) % 60 == 0 {
                lambda = self.minute_rates(tick, &mut rates);
            }
            clean += lambda;
            noisy += second_rate(&mut noise, lambda);
        }
        (clean, noisy)
    }
}

const MAIN_STREAM: u64 = 1;
const NOISE_STREAM: u64 = 2;

/// A second's noisy rate: the minute's rate plus noise of standard deviation
/// `max(25 %, √λ)` (Poisson-like at low rates, overdispersed at high ones), never negative.
fn second_rate(noise: &mut StreamRng, lambda: f64) -> f64 {
    let spread = (SECOND_NOISE * lambda).max(lambda.sqrt());
    (lambda + spread * noise.normalish()).max(0.0)
}

/// A post held back to be written late.
struct Delayed {
    release: i64,
    seq: u64,
    line: String,
    meta: PostMeta,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.release, self.seq) == (other.release, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest release first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.release, other.seq).cmp(&(self.release, self.seq))
    }
}

/// A fixed-capacity ring of recent originals.
struct Ring {
    items: Vec<Draft>,
    next: usize,
}

impl Ring {
    fn new() -> Ring {
        Ring {
            items: Vec::with_capacity(RING),
            next: 0,
        }
    }

    fn push(&mut self, draft: Draft) {
        if self.items.len() < RING {
            self.items.push(draft);
        } else {
            self.items[self.next] = draft;
        }
        self.next = (self.next + 1) % RING;
    }

    /// A random original, with its counts grown by this repost.
    fn repost(&mut self, rng: &mut StreamRng, growth: u64) -> Option<Draft> {
        if self.items.is_empty() {
            return None;
        }
        let index = rng.below(self.items.len() as u64) as usize;
        let item = self.items.get_mut(index)?;
        item.reposts += 1 + rng.below(growth);
        item.comments += rng.below(growth / 2 + 1);
        item.likes += rng.below(growth + 1);
        Some(*item)
    }
}

/// The generator state.
pub(crate) struct Engine {
    plan: Plan,
    rng: StreamRng,
    noise: StreamRng,
    rates: [f64; COMPONENTS],
    cumulative: [f64; COMPONENTS],
    lambda: f64,
    tick: i64,
    started: bool,
    finished: bool,
    cum_rate: f64,
    produced: u64,
    remaining: u64,
    in_tick: u64,
    seq: u64,
    heap: BinaryHeap<Delayed>,
    complainers: u64,
    perm_mul: u64,
    perm_add: u64,
    everyday: Ring,
    complaints: Ring,
    news: Ring,
}

impl Engine {
    pub(crate) fn new(plan: Plan) -> Engine {
        let population = plan.population;
        let mut perm_mul = (population as f64 * 0.618_033_988_75) as u64;
        while perm_mul > 1 && gcd(perm_mul, population) != 1 {
            perm_mul -= 1;
        }
        Engine {
            rng: StreamRng::new(plan.seed, MAIN_STREAM),
            noise: StreamRng::new(plan.seed, NOISE_STREAM),
            rates: [0.0; COMPONENTS],
            cumulative: [0.0; COMPONENTS],
            lambda: 0.0,
            tick: plan.start,
            started: false,
            finished: false,
            cum_rate: 0.0,
            produced: 0,
            remaining: 0,
            in_tick: 0,
            seq: 0,
            heap: BinaryHeap::new(),
            complainers: 0,
            perm_mul: perm_mul.max(1),
            perm_add: population / 3,
            everyday: Ring::new(),
            complaints: Ring::new(),
            news: Ring::new(),
            plan,
        }
    }

    /// Appends the next line (without newline) to `out` and returns its metadata, or returns
    /// `None` at the end of the stream.
    pub(crate) fn next_into(&mut self, out: &mut String) -> Option<PostMeta> {
        loop {
            if self
                .heap
                .peek()
                .is_some_and(|top| self.finished || top.release <= self.tick)
            {
                let delayed = self.heap.pop()?;
                out.push_str(&delayed.line);
                return Some(delayed.meta);
            }
            if self.remaining > 0 {
                self.remaining -= 1;
                let start = out.len();
                let meta = self.generate(out);
                if self.plan.late_share > 0.0 && self.rng.chance(self.plan.late_share) {
                    let delay = self.delay();
                    let line = out[start..].to_string();
                    out.truncate(start);
                    self.seq += 1;
                    self.heap.push(Delayed {
                        release: self.tick + delay,
                        seq: self.seq,
                        line,
                        meta,
                    });
                    continue;
                }
                return Some(meta);
            }
            if self.finished {
                return None;
            }
            self.advance();
        }
    }

    /// Moves to the next second and sets its post count.
    fn advance(&mut self) {
        if self.started {
            self.tick += 1;
        }
        self.started = true;
        if self.tick >= self.plan.end {
            self.finished = true;
            return;
        }
        if (self.tick - self.plan.start) % 60 == 0 {
            self.lambda = self.plan.minute_rates(self.tick, &mut self.rates);
            let mut sum = 0.0;
            for (c, r) in self.cumulative.iter_mut().zip(&self.rates) {
                sum += r;
                *c = sum;
            }
        }
        self.cum_rate += second_rate(&mut self.noise, self.lambda);
        let target = (self.cum_rate * self.plan.count_factor + 0.5).floor();
        let target = if target.is_finite() && target > 0.0 {
            target as u64
        } else {
            0
        };
        self.remaining = target.saturating_sub(self.produced).min(MID_PER_SECOND);
        self.produced = target.max(self.produced);
        self.in_tick = 0;
    }

    /// How long a late post is held back, in seconds (1 up to the maximum lateness).
    fn delay(&mut self) -> i64 {
        let max = self.plan.max_lateness.max(1);
        let r = self.rng.below(100);
        let d = if r < 70 {
            1 + self.rng.below(5) as i64
        } else if r < 95 {
            5 + self.rng.below(26) as i64
        } else {
            30 + self.rng.below(31) as i64
        };
        d.min(max)
    }

    fn component(&mut self) -> usize {
        let x = self.rng.unit() * self.lambda;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(COMPONENTS - 1)
    }

    fn everyday_user(&mut self) -> u64 {
        let population = self.plan.population;
        if self.rng.chance(0.2) {
            self.rng.below((population / 50).max(1))
        } else {
            self.rng.below(population)
        }
    }

    /// Population index of complainer number `k`.
    fn complainer(&self, k: u64) -> u64 {
        let population = u128::from(self.plan.population);
        ((u128::from(k) * u128::from(self.perm_mul) + u128::from(self.perm_add)) % population)
            as u64
    }

    fn new_complainer(&mut self) -> u64 {
        if self.complainers < self.plan.population {
            self.complainers += 1;
            self.complainer(self.complainers - 1)
        } else {
            self.old_complainer()
        }
    }

    fn old_complainer(&mut self) -> u64 {
        if self.complainers == 0 {
            return self.new_complainer();
        }
        let k = self.rng.below(self.complainers);
        self.complainer(k)
    }

    fn source(&mut self, ios_share: f64) -> &'static str {
        if self.rng.chance(ios_share) {
            self.rng.pick(SOURCES_IOS)
        } else {
            self.rng.pick(SOURCES_OTHER)
        }
    }

    fn small_counts(&mut self, draft: &mut Draft) {
        let (a, b, c) = (self.rng.unit(), self.rng.unit(), self.rng.unit());
        draft.reposts = (30.0 * a * a * a * a * a * a) as u64;
        draft.comments = (60.0 * b * b * b * b * b) as u64;
        draft.likes = (200.0 * c * c * c * c) as u64;
    }

    /// Generates one post of this second and appends its line.
    fn generate(&mut self, out: &mut String) -> PostMeta {
        let ts = self.tick;
        let n = self.in_tick;
        self.in_tick += 1;
        let component = self.component();
        let mut draft = Draft {
            mid: mid(ts, n, self.rng.below(8)),
            ts,
            author: Author::Population(0),
            text: TextKind::Plain,
            text_seed: self.rng.bits(),
            source: "",
            reposts: 0,
            comments: 0,
            likes: 0,
        };
        self.small_counts(&mut draft);
        let mut retweeted = None;
        let mut topic = None;
        let kind = match component {
            c if c <= PLAIN => {
                draft.author = Author::Population(self.everyday_user());
                draft.source = self.source(0.45);
                if c < PLAIN {
                    topic = Some(TOPICS[c].name);
                }
                if self.rng.chance(0.1) {
                    retweeted = self.everyday.repost(&mut self.rng, 4);
                }
                if let Some(original) = &retweeted {
                    draft.text = TextKind::EverydayRepost;
                    topic = match original.text {
                        TextKind::Topic(i) => Some(TOPICS[i % TOPICS.len()].name),
                        _ => None,
                    };
                } else {
                    draft.text = if c < PLAIN {
                        TextKind::Topic(c)
                    } else {
                        TextKind::Plain
                    };
                    self.everyday.push(draft);
                }
                if topic.is_some() {
                    PostKind::Topic
                } else {
                    PostKind::Plain
                }
            }
            MENTION => {
                draft.author = Author::Population(self.everyday_user());
                draft.source = self.source(0.45);
                draft.text = TextKind::Mention;
                PostKind::WechatMention
            }
            GRUMBLE => {
                draft.author = Author::Population(self.everyday_user());
                draft.source = self.source(0.45);
                draft.text = TextKind::Grumble(self.rng.below(GRUMBLES.len() as u64) as usize);
                PostKind::Grumble
            }
            NEW | REPEAT => {
                let user = if component == NEW {
                    self.new_complainer()
                } else {
                    self.old_complainer()
                };
                draft.author = Author::Population(user);
                draft.source = self.source(0.85);
                if self.rng.chance(0.32) {
                    retweeted = self.complaints.repost(&mut self.rng, 30);
                }
                if retweeted.is_some() {
                    draft.text = TextKind::ComplaintRepost;
                    PostKind::ComplaintRepost
                } else {
                    draft.text = TextKind::Complaint;
                    self.complaints.push(draft);
                    PostKind::Complaint
                }
            }
            NEWS => {
                draft.author = Author::Media(self.rng.below(MEDIA.len() as u64) as usize);
                draft.source = "微博 weibo.com";
                draft.text = TextKind::News;
                draft.reposts = 200 + self.rng.below(8_000);
                draft.comments = 50 + self.rng.below(3_000);
                draft.likes = 300 + self.rng.below(15_000);
                self.news.push(draft);
                PostKind::News
            }
            NEWS_REPOST => {
                draft.author = Author::Population(self.everyday_user());
                draft.source = self.source(0.6);
                retweeted = self.news.repost(&mut self.rng, 200);
                if retweeted.is_some() {
                    draft.text = TextKind::NewsRepost;
                    PostKind::NewsRepost
                } else {
                    draft.text = TextKind::Mention;
                    PostKind::WechatMention
                }
            }
            _ => {
                let user = if self.complainers > 0 && self.rng.chance(0.7) {
                    self.old_complainer()
                } else {
                    self.everyday_user()
                };
                draft.author = Author::Population(user);
                draft.source = self.source(0.8);
                draft.text = TextKind::Recovery;
                PostKind::Recovery
            }
        };
        push_mblog(out, &draft, retweeted.as_ref());
        PostMeta {
            id: draft.mid,
            created_at: ts,
            user_id: draft.author.id(),
            kind,
            repost_of: retweeted.map(|r| r.mid),
            topic,
            service: match draft.text {
                TextKind::Grumble(i) => Some(GRUMBLES[i % GRUMBLES.len()].0),
                TextKind::Topic(_) | TextKind::Plain | TextKind::EverydayRepost => None,
                _ => Some("wechat"),
            },
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The minute (since onset) at which complaints peak.
pub(crate) fn peak_minute() -> i64 {
    let mut best = (0, f64::MIN);
    for m in 0..480 {
        let x = m as f64 + 0.5;
        let v = OUTAGE_NEW.at(x) + REPEAT_RATIO * OUTAGE_REPEAT.at(x);
        if v > best.1 {
            best = (m, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use trendwatch_model::beijing;

    use super::*;

    #[test]
    fn late_posts_held_back_stay_few() {
        let at = |h| beijing().with_ymd_and_hms(2015, 9, 13, h, 0, 0).unwrap();
        let scenario = Scenario::wechat_outage_2015(0.2).with_window(at(13), at(15));
        let mut engine = Engine::new(Plan::new(&scenario));
        let mut line = String::new();
        let (mut lines, mut most_held) = (0, 0);
        while engine.next_into(&mut line).is_some() {
            line.clear();
            lines += 1;
            most_held = most_held.max(engine.heap.len());
        }
        assert!(lines > 50_000, "{lines} lines");
        // 2 % of at most ~40 posts/s, held up to 60 s: a few dozen, never the stream.
        assert!(
            (1..300).contains(&most_held),
            "{most_held} posts held back at once"
        );
        assert!(engine.complaints.items.len() <= RING);
    }

    #[test]
    fn peak_is_near_two_pm() {
        let minute = peak_minute();
        assert!((45..=75).contains(&minute), "peak {minute} min after onset");
    }
}
