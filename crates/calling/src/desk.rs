//! The agent desk's side of a running program: people at the desk take a floor's calls the way its bot
//! agents do, through a [`DeskHub`] the web edge and the run loop share.
//!
//! The web edge never touches a call: it sends the run loop [`DeskAction`]s (ready, pause, dial, an
//! answer, finish with a disposition) and shows the [`DeskView`] the loop publishes for each seat. The
//! view holds only what the call needs — the person's first name, the script's text with its merge
//! fields filled, the question being asked — never a phone number or another field of the file.

use clearline_core::disposition::Disposition;
use clearline_core::script::{fill, walk_until, GivenAnswer, Script, StepKind};
use clearline_core::OrgId;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

/// A signed-in vendor agent at the desk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskAgent {
    pub user_id: i64,
    /// Said in the opening (`{caller.first_name}`).
    pub first_name: String,
    /// The agent's organization: they take only that vendor's share of a program.
    pub vendor: OrgId,
}

/// What a person at the desk does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeskAction {
    /// Take calls.
    Ready,
    /// Stop taking calls (a break, training, a problem), with the reason the supervisor sees.
    Pause { reason: String },
    /// Dial the preview record on screen.
    Dial,
    /// Answer a question of the script: the values as the form sent them (option keys, a number, text).
    Answer { step: String, values: Vec<String> },
    /// End the call (hanging up if it is still live) with a disposition — a base code an agent records
    /// or one of the campaign's active custom codes, resolved to its base by the run — for a callback
    /// how long from now to call back (the run's clock decides when now is; ignored unless the code
    /// means `callback_requested`), and the caller's note (may be empty).
    Finish { code: String, callback_after_us: Option<i64>, notes: String },
    /// Read the call on in another approved language of the script (a translation of the attached
    /// version); the switch is recorded with the steps.
    Language { language: String },
    /// Leave the program's desk (only when not on a call).
    Leave,
}

/// Why the desk refused an action. The sentences are shown to the agent as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    #[error("that program is not calling now")]
    NotCalling,
    #[error("you are not at a program's desk: join one first")]
    NotSeated,
    #[error("{0}")]
    Refused(String),
}

fn refused(reason: impl Into<String>) -> DeskError {
    DeskError::Refused(reason.into())
}

/// How long the desk waits for the run loop to carry out an action (a disposition waits for its write).
const ACT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

pub(crate) type Reply = oneshot::Sender<Result<(), DeskError>>;

/// A message from the web edge to the run loop.
pub(crate) enum DeskCommand {
    Join {
        agent: DeskAgent,
        view: watch::Sender<DeskView>,
        reply: Reply,
    },
    /// `call`: the call the form was for (the card's number), for actions on a call.
    Act {
        user_id: i64,
        action: DeskAction,
        call: Option<u64>,
        reply: Reply,
    },
}

/// Where a seat is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    /// At the desk, not taking calls.
    Paused,
    /// Waiting for a call.
    Ready,
    /// A preview record is on screen: the agent reads it and clicks to dial.
    Preview,
    /// The agent's preview or power call is ringing.
    Dialing,
    OnCall,
    /// The call ended; a disposition is needed before the next one.
    WrapUp,
    /// The program stopped calling (paused, or its calling hours are over for this run).
    Closed,
}

impl SeatState {
    pub const fn as_str(self) -> &'static str {
        match self {
            SeatState::Paused => "paused",
            SeatState::Ready => "ready",
            SeatState::Preview => "preview",
            SeatState::Dialing => "dialing",
            SeatState::OnCall => "on_call",
            SeatState::WrapUp => "wrap_up",
            SeatState::Closed => "closed",
        }
    }

    /// As the desk shows it (words, not only a colour).
    pub const fn label(self) -> &'static str {
        match self {
            SeatState::Paused => "Paused",
            SeatState::Ready => "Ready — waiting for a call",
            SeatState::Preview => "Preview — read the record, then dial",
            SeatState::Dialing => "Dialing",
            SeatState::OnCall => "On a call",
            SeatState::WrapUp => "Wrap-up — record the disposition",
            SeatState::Closed => "The program is not calling now",
        }
    }
}

/// One seat's screen, as the run loop publishes it.
#[derive(Clone, Debug, Serialize)]
pub struct DeskView {
    pub program_slug: String,
    pub program_name: String,
    pub state: SeatState,
    /// When the seat entered its state (µs since the epoch).
    pub since_us: i64,
    /// The run's clock minus the wall clock (µs): 0, except when a demo calls at a chosen instant. The
    /// page adds it to the wall clock to time the state (the wrap-up timer).
    pub clock_offset_us: i64,
    pub pause_reason: Option<String>,
    pub card: Option<CallCard>,
    /// The campaign's active custom codes the agent may pick besides the base ones, as (code, label);
    /// the base each means is the run's to apply, not the agent's to read.
    pub custom_dispositions: Vec<(String, String)>,
    /// Bumped at every change: the page's live stream reloads on it.
    pub version: u64,
}

/// What the agent sees of the call in front of them.
#[derive(Clone, Debug, Serialize)]
pub struct CallCard {
    /// The seat's call number: forms for this call carry it.
    pub number: u64,
    /// The person's first name as the voter file gives it.
    pub first_name: String,
    /// The language of the script version read.
    pub language: String,
    /// The other languages the script is approved in: the agent may switch to one.
    pub other_languages: Vec<String>,
    pub script: Option<ScriptCard>,
}

/// The approved script, walked as far as the answers go.
#[derive(Clone, Debug, Serialize)]
pub struct ScriptCard {
    pub title: String,
    pub version: u32,
    /// Steps on the call's path so far, merge fields filled.
    pub steps: Vec<CardStep>,
    /// The question waiting for an answer.
    pub question: Option<CardQuestion>,
    /// Where the path ends, once it does: the disposition the desk proposes.
    pub end: Option<Disposition>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CardStep {
    pub id: String,
    pub text: String,
    /// The answer given, as its labels.
    pub answer: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CardQuestion {
    pub step: String,
    pub text: String,
    /// `single`, `multiple`, `scale`, `numeric`, `open`.
    pub kind: &'static str,
    /// (key, label) in the order to show them (randomized questions: this call's order).
    pub options: Vec<(String, String)>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// The base dispositions an agent may record ([`Disposition::agent_may_record`]), in table order.
pub fn agent_dispositions() -> impl Iterator<Item = Disposition> {
    Disposition::ALL.iter().copied().filter(|d| d.agent_may_record())
}

/// A program calling now, as the desk lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FloorInfo {
    pub slug: String,
    pub name: String,
}

/// The programs calling now and the seats at their desks, shared by the web edge and the run loops of
/// one process. Empty when nothing is calling.
#[derive(Clone, Default)]
pub struct DeskHub(Arc<Mutex<Hub>>);

impl std::fmt::Debug for DeskHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hub = self.lock();
        f.debug_struct("DeskHub").field("floors", &hub.floors.len()).field("seats", &hub.seats.len()).finish()
    }
}

#[derive(Default)]
struct Hub {
    floors: Vec<OpenFloor>,
    seats: HashMap<i64, Seat>,
    next_door: u64,
    /// Whether each person's desk is open: their live streams, and when they were last heard from.
    presence: HashMap<i64, Presence>,
}

#[derive(Clone, Copy, Debug)]
struct Presence {
    streams: u32,
    last_seen: std::time::Instant,
}

/// A desk page's live stream, open while this lives (the person's desk counts as open).
pub struct StreamGuard {
    hub: DeskHub,
    user_id: i64,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut hub = self.hub.lock();
        let p =
            hub.presence.entry(self.user_id).or_insert(Presence { streams: 0, last_seen: std::time::Instant::now() });
        p.streams = p.streams.saturating_sub(1);
        p.last_seen = std::time::Instant::now();
    }
}

struct OpenFloor {
    door: u64,
    info: FloorInfo,
    vendor: OrgId,
    commands: mpsc::UnboundedSender<DeskCommand>,
}

struct Seat {
    door: u64,
    agent: DeskAgent,
    commands: mpsc::UnboundedSender<DeskCommand>,
    view: watch::Receiver<DeskView>,
}

impl DeskHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.0.lock().expect("the desk hub's lock is never poisoned (no panics while held)")
    }

    /// The programs calling now that `vendor` works.
    pub fn floors_for(&self, vendor: OrgId) -> Vec<FloorInfo> {
        self.lock().floors.iter().filter(|f| f.vendor == vendor).map(|f| f.info.clone()).collect()
    }

    /// The person used their desk (a page, an action): it is open now.
    pub fn touch(&self, user_id: i64) {
        let mut hub = self.lock();
        let p = hub.presence.entry(user_id).or_insert(Presence { streams: 0, last_seen: std::time::Instant::now() });
        p.last_seen = std::time::Instant::now();
    }

    /// The person's desk page opened its live stream; it counts as open until the guard is dropped.
    pub fn stream_opened(&self, user_id: i64) -> StreamGuard {
        let mut hub = self.lock();
        let p = hub.presence.entry(user_id).or_insert(Presence { streams: 0, last_seen: std::time::Instant::now() });
        p.streams += 1;
        p.last_seen = std::time::Instant::now();
        StreamGuard { hub: self.clone(), user_id }
    }

    /// How long the person's desk has been closed (no stream open, no request): `None` while open.
    pub(crate) fn away_for(&self, user_id: i64) -> Option<std::time::Duration> {
        let hub = self.lock();
        match hub.presence.get(&user_id) {
            Some(p) if p.streams > 0 => None,
            Some(p) => Some(p.last_seen.elapsed()),
            None => Some(std::time::Duration::MAX),
        }
    }

    /// The seat's screen, while the agent is at a desk.
    pub fn view(&self, user_id: i64) -> Option<watch::Receiver<DeskView>> {
        self.lock().seats.get(&user_id).map(|s| s.view.clone())
    }

    /// Takes a seat at the desk of program `slug` (paused: the agent goes ready when they are).
    pub async fn join(&self, agent: DeskAgent, slug: &str) -> Result<(), DeskError> {
        let user_id = agent.user_id;
        let (door, commands, name) = {
            let hub = self.lock();
            if let Some(seat) = hub.seats.get(&user_id) {
                let at = seat.view.borrow().program_slug.clone();
                if at == slug && seat.view.borrow().state != SeatState::Closed {
                    return Ok(());
                }
                if seat.view.borrow().state != SeatState::Closed {
                    return Err(refused(format!("you are at the desk of {at}: leave it first")));
                }
            }
            let floor = hub
                .floors
                .iter()
                .find(|f| f.info.slug == slug && f.vendor == agent.vendor)
                .ok_or(DeskError::NotCalling)?;
            (floor.door, floor.commands.clone(), floor.info.name.clone())
        };
        let (view, receiver) = watch::channel(DeskView {
            program_slug: slug.to_string(),
            program_name: name,
            state: SeatState::Paused,
            since_us: 0,
            clock_offset_us: 0,
            pause_reason: None,
            card: None,
            custom_dispositions: Vec::new(),
            version: 0,
        });
        let (reply, answer) = oneshot::channel();
        commands.send(DeskCommand::Join { agent: agent.clone(), view, reply }).map_err(|_| DeskError::NotCalling)?;
        answer.await.map_err(|_| DeskError::NotCalling)??;
        self.lock().seats.insert(user_id, Seat { door, agent, commands, view: receiver });
        Ok(())
    }

    /// Does `action` at the agent's seat; returns once the run loop has carried it out, so the page
    /// shown next has its effect.
    pub async fn act(&self, user_id: i64, action: DeskAction) -> Result<(), DeskError> {
        self.act_on(user_id, None, action).await
    }

    /// Does `action` on call `call` (the card's number the form carried): refused when the seat has moved
    /// on to another call — a double click, a back button or a second tab never dispositions the next
    /// call with the last one's form.
    pub async fn act_on(&self, user_id: i64, call: Option<u64>, action: DeskAction) -> Result<(), DeskError> {
        let commands = self.lock().seats.get(&user_id).map(|s| s.commands.clone()).ok_or(DeskError::NotSeated)?;
        let leaving = action == DeskAction::Leave;
        let (reply, answer) = oneshot::channel();
        commands.send(DeskCommand::Act { user_id, action, call, reply }).map_err(|_| DeskError::NotCalling)?;
        let result = tokio::time::timeout(ACT_TIMEOUT, answer)
            .await
            .map_err(|_| refused("the dialer did not answer in time: reload the desk to see where the call is"))?
            .map_err(|_| DeskError::NotCalling)?;
        if result.is_ok() && leaving {
            self.lock().seats.remove(&user_id);
        }
        result
    }

    /// A run opens its floors to the desk; they close when the returned door is dropped.
    pub(crate) fn open(&self, info: FloorInfo, vendors: &[OrgId]) -> (DeskDoor, mpsc::UnboundedReceiver<DeskCommand>) {
        let (commands, receiver) = mpsc::unbounded_channel();
        let mut hub = self.lock();
        hub.next_door += 1;
        let door = hub.next_door;
        for vendor in vendors {
            hub.floors.push(OpenFloor { door, info: info.clone(), vendor: *vendor, commands: commands.clone() });
        }
        // People whose seat closed with an earlier run of this program (a shift ended, the program was
        // paused and started again) take a seat again at once, paused: they go ready when they are.
        for seat in hub.seats.values_mut() {
            let closed = seat.view.borrow().state == SeatState::Closed;
            if closed && seat.view.borrow().program_slug == info.slug && vendors.contains(&seat.agent.vendor) {
                let (view, receiver) = watch::channel(seat.view.borrow().clone());
                let (reply, _) = oneshot::channel();
                if commands.send(DeskCommand::Join { agent: seat.agent.clone(), view, reply }).is_ok() {
                    seat.door = door;
                    seat.commands = commands.clone();
                    seat.view = receiver;
                }
            }
        }
        (DeskDoor { hub: self.clone(), door }, receiver)
    }
}

/// A run's floors, open to the desk while it lives.
pub(crate) struct DeskDoor {
    hub: DeskHub,
    door: u64,
}

impl Drop for DeskDoor {
    fn drop(&mut self) {
        let mut hub = self.hub.lock();
        hub.floors.retain(|f| f.door != self.door);
        // Seats stay, showing their last (closed) screen, until the agent joins another desk.
        for seat in hub.seats.values_mut().filter(|s| s.door == self.door) {
            seat.commands = mpsc::unbounded_channel().0;
        }
    }
}

/// The script a program's desk reads: its attached approved version.
pub(crate) struct DeskScript {
    pub script: Script,
    pub version: u32,
    pub language: String,
}

impl DeskScript {
    /// Whether `other` has the same steps, kinds, options and branches (only the words differ): then
    /// answers given in one stand in the other, and a caller may switch between them mid-call.
    pub fn same_shape(&self, other: &DeskScript) -> bool {
        let shape = |s: &Script| {
            s.steps
                .iter()
                .map(|step| {
                    let kind = match &step.kind {
                        StepKind::Ask(q) => {
                            format!("ask {:?} {:?}", q.answer, q.options.iter().map(|o| &o.key).collect::<Vec<_>>())
                        }
                        StepKind::End(d) => format!("end {}", d.code()),
                        StepKind::Say => "say".into(),
                        StepKind::Disclose(d) => format!("disclose {d:?}"),
                    };
                    let branches: Vec<String> =
                        step.branches.iter().map(|b| format!("{} {:?} {}", b.on, b.test, b.target)).collect();
                    (step.id.clone(), kind, branches, step.next.clone())
                })
                .collect::<Vec<_>>()
        };
        shape(&self.script) == shape(&other.script)
    }
}

/// One call on a seat, from the preview or connect to the disposition.
pub(crate) struct LiveCall {
    pub person_id: i64,
    /// The few fields of the person the desk may show.
    pub person: clearline_store::DeskPerson,
    /// Answers in the order given, with the engine time each was given.
    pub answers: Vec<(GivenAnswer, clearline_dialer::Micros)>,
    /// The order each randomized question's options are shown in on this call, fixed at first showing.
    pub orders: HashMap<String, Vec<String>>,
    /// Seeds the randomized orders.
    pub seed: u64,
    /// The script steps shown on the call, with when each was entered and left.
    pub steps: Vec<StepTime>,
    /// The language the call is read in now.
    pub language: String,
    /// The seat's call number (1 for its first call).
    pub number: u64,
}

/// One step's time on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepTime {
    pub step: String,
    pub entered: clearline_dialer::Micros,
    pub left: Option<clearline_dialer::Micros>,
    pub language: String,
    /// On the call's path now (a changed earlier answer takes steps off it).
    current: bool,
}

impl LiveCall {
    pub fn new(person_id: i64, person: clearline_store::DeskPerson, seed: u64) -> LiveCall {
        LiveCall {
            person_id,
            person,
            answers: Vec::new(),
            orders: HashMap::new(),
            seed,
            steps: Vec::new(),
            language: String::new(),
            number: 0,
        }
    }

    /// The caller switches to `script`'s language at `now`: the steps on screen are left and entered
    /// again in the new language (answers and the options' order carry over: a translation has the same
    /// steps and keys).
    pub fn switch_language(&mut self, script: &DeskScript, now: clearline_dialer::Micros, tracking: bool) {
        for t in self.steps.iter_mut().filter(|t| t.current) {
            t.current = false;
            t.left.get_or_insert(now);
        }
        self.language = script.language.clone();
        if tracking {
            self.track(script, now);
        }
    }

    /// Notes the steps on the call's path at `now`: a step on it is entered when it first appears and
    /// left when the step after it is entered; a step a changed answer takes off the path is left now.
    pub fn track(&mut self, script: &DeskScript, now: clearline_dialer::Micros) {
        let (_, _, path) = self.walk(script, &|_| None);
        for t in self.steps.iter_mut().filter(|t| t.current && !path.contains(&t.step)) {
            t.current = false;
            t.left.get_or_insert(now);
        }
        for id in &path {
            if !self.steps.iter().any(|t| t.current && &t.step == id) {
                self.steps.push(StepTime {
                    step: id.clone(),
                    entered: now,
                    left: None,
                    language: script.language.clone(),
                    current: true,
                });
            }
        }
        for pair in path.windows(2) {
            let next = self.steps.iter().find(|t| t.current && t.step == pair[1]).map(|t| t.entered);
            if let (Some(next), Some(t)) = (next, self.steps.iter_mut().find(|t| t.current && t.step == pair[0])) {
                t.left.get_or_insert(next);
            }
        }
    }

    /// The call is over at `now`: every step still on screen is left.
    pub fn finish_steps(&mut self, now: clearline_dialer::Micros) -> Vec<StepTime> {
        for t in self.steps.iter_mut().filter(|t| t.left.is_none()) {
            t.left = Some(now);
        }
        std::mem::take(&mut self.steps)
    }

    /// Walks the script with the answers given so far: the card, and the answers on the path (an
    /// answer left off the path by a changed earlier answer is not the call's).
    pub fn walk(
        &mut self,
        script: &DeskScript,
        value_of: &dyn Fn(&str) -> Option<String>,
    ) -> (ScriptCard, Vec<GivenAnswer>, Vec<String>) {
        let seed = self.seed;
        let orders = &mut self.orders;
        let answers = &self.answers;
        let partial = walk_until(
            &script.script,
            |step, q| orders.entry(step.id.clone()).or_insert_with(|| shown_order(step, q, seed)).clone(),
            |step, _, _| answers.iter().rev().find(|(a, _)| a.step == step.id).map(|(a, _)| a.answer.clone()),
        );
        let s = &script.script;
        let mut steps = Vec::new();
        for id in &partial.walk.path {
            let Some(step) = s.step(id) else { continue };
            if matches!(step.kind, StepKind::End(_)) || partial.waiting_at.as_deref() == Some(id.as_str()) {
                continue;
            }
            let answer = partial.walk.answers.iter().find(|a| &a.step == id).map(|a| step.answer_label(&a.answer));
            steps.push(CardStep { id: id.clone(), text: fill(&step.spoken(), value_of), answer });
        }
        let question = partial.waiting_at.as_deref().and_then(|id| s.step(id)).and_then(|step| {
            let q = step.question()?;
            let order = self.orders.get(&step.id).filter(|_| q.randomize && q.answer.is_choice());
            let options = match order {
                Some(keys) => keys
                    .iter()
                    .filter_map(|k| q.options.iter().find(|o| &o.key == k))
                    .map(|o| (o.key.clone(), o.label.clone()))
                    .collect(),
                None => q.options.iter().map(|o| (o.key.clone(), o.label.clone())).collect(),
            };
            let (kind, (min, max)) = (q.answer.name(), q.answer.bounds());
            Some(CardQuestion { step: step.id.clone(), text: fill(&step.spoken(), value_of), kind, options, min, max })
        });
        let card =
            ScriptCard { title: s.title.clone(), version: script.version, steps, question, end: partial.walk.end };
        (card, partial.walk.answers, partial.walk.path)
    }

    /// Records an answer to `step`, checked against its question. The step must be the one waiting or
    /// one already on the path (an agent may correct an earlier answer; the walk re-routes).
    pub fn answer(
        &mut self,
        script: &DeskScript,
        step_id: &str,
        values: &[String],
        at: clearline_dialer::Micros,
    ) -> Result<(), DeskError> {
        let step = script.script.step(step_id).ok_or_else(|| refused("that step is not in the script"))?;
        let q = step.question().ok_or_else(|| refused("that step asks no question"))?;
        let (card, _, _) = self.walk(script, &|_| None);
        let waiting = card.question.as_ref().is_some_and(|w| w.step == step_id);
        if !waiting && !card.steps.iter().any(|s| s.id == step_id) {
            return Err(refused("that question is not on this call's path"));
        }
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let answer = clearline_core::script::walk::parse_answer(q, &values).map_err(refused)?;
        let shown = (q.randomize && q.answer.is_choice()).then(|| self.orders.get(step_id).cloned()).flatten();
        self.answers.retain(|(a, _)| a.step != step_id);
        self.answers.push((GivenAnswer { step: step_id.to_string(), answer, shown }, at));
        Ok(())
    }
}

/// A randomized question's option keys in the order one call shows them: the keys in document order
/// shuffled by ChaCha8 seeded with `seed ^ FNV-1a(step id)`. The desk and the script editor's preview
/// (`clearline-web`) both show this order, so a preview walks what a caller would see.
pub fn shown_order(
    step: &clearline_core::script::Step,
    q: &clearline_core::script::Question,
    seed: u64,
) -> Vec<String> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut keys: Vec<String> = q.options.iter().map(|o| o.key.clone()).collect();
    keys.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ hash(&step.id)));
    keys
}

fn hash(text: &str) -> u64 {
    // FNV-1a: stable across runs and platforms (the std hasher is not).
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearline_core::script::Answer;

    fn survey() -> DeskScript {
        DeskScript {
            script: clearline_core::script::parse(include_str!("../../../docs/scripts/survey.script")).unwrap(),
            version: 3,
            language: "en".into(),
        }
    }

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_desk_walks_the_script_one_answer_at_a_time_with_merge_fields_filled() {
        let script = survey();
        let mut call =
            LiveCall::new(7, clearline_store::DeskPerson { first_name: Some("Ana".into()), ..Default::default() }, 42);
        let value_of = |name: &str| match name {
            "voter.first_name" => Some("Ana".to_string()),
            "caller.first_name" => Some("Alex".to_string()),
            _ => None,
        };
        let (card, _, _) = call.walk(&script, &value_of);
        assert_eq!(card.version, 3);
        assert!(
            card.steps[0].text.starts_with("Hello, may I speak with Ana? My name is Alex"),
            "{}",
            card.steps[0].text
        );
        assert!(card.steps[0].text.contains("[campaign.legal_name]"), "a field without a value is a visible gap");
        assert_eq!(card.question.as_ref().unwrap().step, "consent");

        assert_eq!(
            call.answer(&script, "likely", &values(&["8"]), 1),
            Err(refused("that question is not on this call's path")),
            "not asked yet"
        );
        assert_eq!(call.answer(&script, "consent", &values(&["maybe"]), 1), Err(refused("choose one of the answers")));
        call.answer(&script, "consent", &values(&["yes"]), 1).unwrap();
        assert_eq!(
            call.answer(&script, "likely", &values(&["11"]), 2),
            Err(refused("give a whole number from 1 to 10"))
        );
        call.answer(&script, "likely", &values(&["8"]), 2).unwrap();
        let (card, _, _) = call.walk(&script, &value_of);
        let q = card.question.unwrap();
        assert_eq!((q.step.as_str(), q.kind), ("issues", "multiple"));
        let mut keys: Vec<&str> = q.options.iter().map(|(k, _)| k.as_str()).collect();
        let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["economy", "health", "housing", "roads", "schools"]);
        // The order shown stays the same on every re-render, and is recorded with the answer.
        assert_eq!(call.walk(&script, &value_of).0.question.unwrap().options, q.options);
        call.answer(&script, "issues", &values(&["roads", "economy"]), 3).unwrap();
        let (_, answers, _) = call.walk(&script, &value_of);
        let issues = answers.iter().find(|a| a.step == "issues").unwrap();
        assert_eq!(issues.answer, Answer::Choices(vec!["economy".into(), "roads".into()]), "document order");
        assert_eq!(issues.shown.as_ref(), Some(&shown));

        // Correcting the first answer to "no" re-routes the call to its refusal end.
        call.answer(&script, "consent", &values(&["no"]), 4).unwrap();
        let (card, answers, _) = call.walk(&script, &value_of);
        assert_eq!(card.end, Some(Disposition::Refused));
        assert!(card.question.is_none());
        assert_eq!(answers.len(), 1, "only the consent answer is on the path now");
    }

    #[test]
    fn each_step_is_entered_when_it_shows_and_left_when_the_next_one_does() {
        let script = survey();
        let mut call = LiveCall::new(7, Default::default(), 1);
        call.track(&script, 10);
        call.answer(&script, "consent", &values(&["yes"]), 20).unwrap();
        call.track(&script, 20);
        // Back to "no": likely leaves the path at once, decline and its end enter.
        call.answer(&script, "consent", &values(&["no"]), 30).unwrap();
        call.track(&script, 30);
        let times: Vec<(String, i64, Option<i64>)> =
            call.finish_steps(45).into_iter().map(|t| (t.step, t.entered, t.left)).collect();
        let want = |s: &str, e: i64, l: i64| (s.to_string(), e, Some(l));
        assert_eq!(
            times,
            vec![
                want("opening", 10, 10),
                want("consent", 10, 20),
                want("likely", 20, 30),
                want("decline", 30, 30),
                want("declined", 30, 45),
            ]
        );
    }

    #[test]
    fn a_language_switch_leaves_the_steps_on_screen_and_enters_them_again_in_the_other_language() {
        let en = survey();
        let mut es = survey();
        es.language = "es".into();
        es.script.steps[0].text = vec!["Hola, ¿puedo hablar con {voter.first_name}?".into()];
        assert!(en.same_shape(&es), "only the words differ");
        let mut other = survey();
        other.script.steps.pop();
        assert!(!en.same_shape(&other), "a missing step is another shape");

        let mut call = LiveCall::new(7, Default::default(), 1);
        call.language = "en".into();
        call.track(&en, 10);
        call.answer(&en, "consent", &values(&["yes"]), 20).unwrap();
        call.track(&en, 20);
        call.switch_language(&es, 25, true);
        let (card, answers, _) = call.walk(&es, &|_| Some("Ana".into()));
        assert!(card.steps[0].text.starts_with("Hola, ¿puedo hablar con Ana?"), "{}", card.steps[0].text);
        assert_eq!(answers.len(), 1, "the answer carries over");
        let times: Vec<(String, String, i64, Option<i64>)> =
            call.finish_steps(30).into_iter().map(|t| (t.step, t.language, t.entered, t.left)).collect();
        let at = |s: &str, l: &str, e: i64, x: i64| (s.to_string(), l.to_string(), e, Some(x));
        assert_eq!(
            times,
            vec![
                at("opening", "en", 10, 10),
                at("consent", "en", 10, 20),
                at("likely", "en", 20, 25),
                at("opening", "es", 25, 25),
                at("consent", "es", 25, 25),
                at("likely", "es", 25, 30),
            ]
        );
    }

    #[test]
    fn an_open_answer_loses_card_and_phone_numbers() {
        let script = survey();
        let mut call = LiveCall::new(7, Default::default(), 1);
        for (step, v) in
            [("consent", "yes"), ("likely", "9"), ("issues", "schools"), ("direction", "right"), ("age", "44")]
        {
            call.answer(&script, step, &values(&[v]), 1).unwrap();
        }
        call.answer(&script, "comments", &values(&["call me on 919 555 0123, card 4111111111111111"]), 2).unwrap();
        let (card, answers, _) = call.walk(&script, &|_| None);
        assert_eq!(card.end, Some(Disposition::Complete));
        let comments = answers.iter().find(|a| a.step == "comments").unwrap();
        assert_eq!(comments.answer, Answer::Text("call me on [number removed], card [number removed]".into()));
    }

    #[test]
    fn agents_record_their_own_dispositions_and_an_answering_machine_only() {
        let codes: Vec<&str> = agent_dispositions().map(|d| d.code()).collect();
        assert!(codes.contains(&"complete") && codes.contains(&"do_not_call") && codes.contains(&"answering_machine"));
        assert!(!codes.contains(&"abandoned") && !codes.contains(&"no_answer") && !codes.contains(&"interrupted"));
    }
}
