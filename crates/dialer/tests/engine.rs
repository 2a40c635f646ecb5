//! The engine's behaviour, driven by hand: CR-46's 2-second boundary and 15-second ring, unknown calls,
//! households, progressive limits, the CR-49 blend, agentless and IVR calls.

use clearline_core::disposition::Disposition;
use clearline_core::phone::LineType;
use clearline_dialer::carrier::{
    AfterAudio, AmdResult, Audio, CallId, CarrierEvent, Command, EventKind, FailCause, HungUpBy, Keys,
};
use clearline_dialer::engine::{AgentId, AgentNotice, ConfigError, Engine, EngineConfig, Output, ProgramMode};
use clearline_dialer::ivr::FixedIvr;
use clearline_dialer::lead::{Lead, LineTypeGate, MemoryLeads};
use clearline_dialer::pacing::{Observation, Pacer, Snapshot};
use clearline_dialer::{secs, Micros, SECOND};

/// Dials a fixed number of lines once, then none.
struct Once(usize);

impl Pacer for Once {
    fn observe(&mut self, _: Micros, _: Observation) {}
    fn lines(&mut self, _: &Snapshot) -> usize {
        std::mem::take(&mut self.0)
    }
}

fn lead(id: u64, household: u64, line_type: LineType) -> Lead {
    Lead { id, person: id, household, line_type }
}

fn landlines(n: u64) -> Vec<Lead> {
    (1..=n).map(|i| lead(i, 1000 + i, LineType::Landline)).collect()
}

fn engine(mode: ProgramMode, leads: Vec<Lead>, lines: usize) -> Engine {
    let config = EngineConfig { mode, ..EngineConfig::default() };
    Engine::new(config, Box::new(MemoryLeads::new(leads)), Box::new(LineTypeGate), Box::new(Once(lines))).unwrap()
}

fn event(at: Micros, call: CallId, kind: EventKind) -> CarrierEvent {
    CarrierEvent { at, call, kind }
}

fn originated(outputs: &[Output]) -> Vec<(CallId, u64, bool)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Carrier(Command::Originate { call, target, amd, .. }) => Some((*call, target.lead, *amd)),
            _ => None,
        })
        .collect()
}

fn bridged(outputs: &[Output]) -> Vec<CallId> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Carrier(Command::Bridge { call, .. }) => Some(*call),
            _ => None,
        })
        .collect()
}

fn played(outputs: &[Output], audio: Audio) -> bool {
    outputs.iter().any(
        |o| matches!(o, Output::Carrier(Command::PlayAudio { audio: a, then: AfterAudio::HangUp, .. }) if *a == audio),
    )
}

fn attempts(outputs: &[Output]) -> Vec<Disposition> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Attempt(a) => Some(a.disposition),
            _ => None,
        })
        .collect()
}

/// One predictive call answered by a human whose greeting ends at 11 s, decided at 11.8 s, with no
/// agent logged in: it waits for an agent until 13 s.
fn waiting_call() -> (Engine, CallId) {
    let mut e = engine(ProgramMode::Predictive, landlines(1), 1);
    e.tick(0);
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(10 * SECOND, call, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: 11 * SECOND, decided_at: secs(11.8) };
    e.on_event(event(secs(11.8), call, amd));
    assert!(e.take_outputs().is_empty(), "no agent: the call waits");
    assert!(e.next_timer() <= 13 * SECOND + 1, "the 2 s deadline is a timer");
    e.tick(12 * SECOND);
    assert!(!played(&e.take_outputs(), Audio::SafeHarbor), "still inside its 2 s");
    (e, call)
}

#[test]
fn cr46_a_call_bridged_1_999_s_after_the_greeting_is_not_abandoned() {
    let (mut e, call) = waiting_call();
    let at = 11 * SECOND + secs(1.999);
    e.tick(at);
    e.login(at, AgentId(0));
    let out = e.take_outputs();
    assert_eq!(bridged(&out), vec![call]);
    assert!(!played(&out, Audio::SafeHarbor));
    let (today, rolling) = e.abandonment(at);
    assert_eq!((today.live, today.abandoned), (1, 0));
    assert_eq!(rolling, today);
}

#[test]
fn cr46_a_call_bridged_at_exactly_2_000_s_is_in_time() {
    let (mut e, call) = waiting_call();
    let at = 13 * SECOND;
    e.tick(at);
    e.login(at, AgentId(0));
    assert_eq!(bridged(&e.take_outputs()), vec![call]);
    assert_eq!(e.abandonment(at).0.abandoned, 0);
}

#[test]
fn cr46_a_call_still_waiting_2_001_s_after_the_greeting_is_abandoned_with_the_safe_harbor_message() {
    let (mut e, call) = waiting_call();
    let at = 11 * SECOND + secs(2.001);
    e.tick(at);
    e.login(at, AgentId(0));
    let out = e.take_outputs();
    assert!(bridged(&out).is_empty(), "too late: the agent does not get it");
    assert!(played(&out, Audio::SafeHarbor), "CR-46: the safe-harbor message, then hang up");
    let (today, _) = e.abandonment(at);
    assert_eq!((today.live, today.abandoned), (1, 1));
    e.on_event(event(at + 8 * SECOND, call, EventKind::HungUp { by: HungUpBy::System }));
    assert_eq!(attempts(&e.take_outputs()), vec![Disposition::Abandoned]);
}

#[test]
fn cr46_the_detectors_own_delay_counts_against_the_two_seconds() {
    // Greeting ended at 11 s; the detector took until 13.5 s: abandoned at once, even with an agent free.
    let mut e = engine(ProgramMode::Predictive, landlines(1), 1);
    e.login(0, AgentId(0));
    e.tick(0);
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(10 * SECOND, call, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: 11 * SECOND, decided_at: secs(13.5) };
    e.on_event(event(secs(13.5), call, amd));
    let out = e.take_outputs();
    assert!(bridged(&out).is_empty());
    assert!(played(&out, Audio::SafeHarbor));
}

#[test]
fn cr46_not_sure_is_treated_as_a_live_human() {
    let mut e = engine(ProgramMode::Predictive, landlines(1), 1);
    e.login(0, AgentId(0));
    e.tick(0);
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(10 * SECOND, call, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::NotSure, greeting_ended_at: 11 * SECOND, decided_at: secs(12.0) };
    e.on_event(event(12 * SECOND, call, amd));
    assert_eq!(bridged(&e.take_outputs()), vec![call]);
    assert_eq!(e.abandonment(12 * SECOND).0.live, 1, "counted in the CR-46 denominator");
}

#[test]
fn cr46_rings_are_at_least_fifteen_seconds() {
    let short = EngineConfig { ring_timeout: 14 * SECOND, ..EngineConfig::default() };
    let refused = Engine::new(short, Box::new(MemoryLeads::default()), Box::new(LineTypeGate), Box::new(Once(0)));
    assert_eq!(refused.err(), Some(ConfigError::RingTooShort));
    let ok = EngineConfig { ring_timeout: 15 * SECOND, ..EngineConfig::default() };
    assert!(Engine::new(ok, Box::new(MemoryLeads::default()), Box::new(LineTypeGate), Box::new(Once(0))).is_ok());

    let mut e = engine(ProgramMode::Predictive, landlines(2), 2);
    e.tick(0);
    let out = e.take_outputs();
    for o in &out {
        if let Output::Carrier(Command::Originate { ring_timeout, .. }) = o {
            assert!(*ring_timeout >= 15 * SECOND);
        }
    }
    let calls = originated(&out);
    // A carrier that gives up after 14.9 s: not accepted as a no-answer.
    e.on_event(event(secs(14.9), calls[0].0, EventKind::NoAnswer));
    // After 15 s it is one.
    e.on_event(event(15 * SECOND, calls[1].0, EventKind::NoAnswer));
    assert_eq!(attempts(&e.take_outputs()), vec![Disposition::TechnicalProblem, Disposition::NoAnswer]);
    assert_eq!(e.counters().early_no_answer, 1);
}

#[test]
fn events_for_unknown_calls_are_ignored() {
    let mut e = engine(ProgramMode::Predictive, landlines(1), 0);
    e.login(0, AgentId(0));
    e.take_outputs();
    let unknown = CallId(4242);
    let kinds = [
        EventKind::Ringing,
        EventKind::Answered,
        EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: 1, decided_at: 2 },
        EventKind::Busy,
        EventKind::NoAnswer,
        EventKind::Failed { cause: FailCause::Congestion, sip_code: Some(503) },
        EventKind::HungUp { by: HungUpBy::Remote },
        EventKind::Digits { digit: '9' },
    ];
    for (i, kind) in kinds.iter().enumerate() {
        e.on_event(event(i as Micros * SECOND, unknown, *kind));
    }
    assert!(e.take_outputs().is_empty());
    assert_eq!(e.counters().unknown_events, kinds.len() as u64);
    assert_eq!(e.calls_in_progress(), 0);
    // Events for a call that has finished are unknown too.
    let mut e = engine(ProgramMode::Predictive, landlines(1), 1);
    e.tick(0);
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(2 * SECOND, call, EventKind::Busy));
    e.on_event(event(3 * SECOND, call, EventKind::Answered));
    assert_eq!(e.counters().unknown_events, 1);
}

#[test]
fn inbound_calls_are_recorded_and_left_to_the_inbound_handler() {
    let mut e = engine(ProgramMode::Predictive, landlines(1), 0);
    e.on_event(event(
        SECOND,
        CallId(9_000_001),
        EventKind::Inbound { to_caller_id: 1, from: clearline_dialer::carrier::InboundFrom::Withheld },
    ));
    assert!(e.take_outputs().is_empty());
    assert_eq!(e.take_inbound().len(), 1);
}

#[test]
fn never_two_live_attempts_to_one_household() {
    // Leads 1 and 2 share household 7; lead 3 is alone.
    let leads = vec![lead(1, 7, LineType::Landline), lead(2, 7, LineType::Landline), lead(3, 8, LineType::Landline)];
    let mut e = engine(ProgramMode::Predictive, leads, 3);
    e.tick(0);
    let first = originated(&e.take_outputs());
    let dialed: Vec<u64> = first.iter().map(|c| c.1).collect();
    assert_eq!(dialed, vec![1, 3], "lead 2 waits for its household's attempt to end");
    assert!(e.counters().household_deferrals >= 1);
    e.on_event(event(3 * SECOND, first[0].0, EventKind::Busy));
    e.take_outputs();
    // The pacer gives nothing more; a power program shows the household is free again.
    let leads = vec![lead(1, 7, LineType::Landline), lead(2, 7, LineType::Landline)];
    let mut e = engine(ProgramMode::Power, leads, 0);
    e.login(0, AgentId(0));
    e.login(0, AgentId(1));
    let out = e.take_outputs();
    assert_eq!(originated(&out).iter().map(|c| c.1).collect::<Vec<_>>(), vec![1], "one line for the household");
    let call = originated(&out)[0].0;
    e.on_event(event(4 * SECOND, call, EventKind::Busy));
    e.tick(4 * SECOND);
    let after: Vec<u64> = originated(&e.take_outputs()).iter().map(|c| c.1).collect();
    assert!(after.contains(&2), "after the first attempt ends, the household's other person: {after:?}");
}

#[test]
fn busy_households_at_the_head_of_the_list_do_not_hide_the_fresh_leads_behind_them() {
    // Leads 1, 2 and 3 share household 7; 4 and 5 have their own. While lead 1's call is live, a second
    // and a third agent must get leads 4 and 5, however often 2 and 3 come back.
    let leads = vec![
        lead(1, 7, LineType::Landline),
        lead(2, 7, LineType::Landline),
        lead(3, 7, LineType::Landline),
        lead(4, 8, LineType::Landline),
        lead(5, 9, LineType::Landline),
    ];
    let mut e = engine(ProgramMode::Power, leads, 0);
    e.login(0, AgentId(0));
    assert_eq!(originated(&e.take_outputs()).iter().map(|c| c.1).collect::<Vec<_>>(), vec![1]);
    e.login(SECOND, AgentId(1));
    e.tick(SECOND);
    assert_eq!(originated(&e.take_outputs()).iter().map(|c| c.1).collect::<Vec<_>>(), vec![4]);
    e.login(2 * SECOND, AgentId(2));
    e.tick(2 * SECOND);
    assert_eq!(originated(&e.take_outputs()).iter().map(|c| c.1).collect::<Vec<_>>(), vec![5]);
    // A fourth agent finds only household 7's leads: nothing is dialed, and the engine does not spin.
    e.login(3 * SECOND, AgentId(3));
    e.tick(3 * SECOND);
    assert!(originated(&e.take_outputs()).is_empty());
}

#[test]
fn progressive_never_dials_more_lines_than_free_agents() {
    let mut e = engine(ProgramMode::Power, landlines(50), 0);
    for a in 0..3 {
        e.login(0, AgentId(a));
    }
    let mut lines = originated(&e.take_outputs());
    assert_eq!(lines.len(), 3);
    for t in 1..20 {
        e.tick(t * SECOND / 4);
    }
    assert!(originated(&e.take_outputs()).is_empty(), "no agent is free: no new line");
    // One call fails: its agent is free again and gets exactly one line.
    let (call, _, _) = lines.remove(0);
    e.on_event(event(5 * SECOND, call, EventKind::Failed { cause: FailCause::NotInService, sip_code: Some(404) }));
    assert_eq!(originated(&e.take_outputs()).len(), 1);
    // A human on a power call goes straight to the agent reserved for it.
    let (call, _, _) = lines.remove(0);
    e.on_event(event(6 * SECOND, call, EventKind::Answered));
    let amd = EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: secs(6.5), decided_at: secs(7.3) };
    e.on_event(event(secs(7.3), call, amd));
    assert_eq!(bridged(&e.take_outputs()), vec![call]);
}

#[test]
fn a_bridged_call_goes_to_wrap_up_and_the_agents_disposition_is_recorded() {
    let mut e = engine(ProgramMode::Power, landlines(5), 0);
    e.login(0, AgentId(0));
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(5 * SECOND, call, EventKind::Answered));
    let amd = EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: secs(5.5), decided_at: secs(6.3) };
    e.on_event(event(secs(6.3), call, amd));
    e.on_event(event(66 * SECOND, call, EventKind::HungUp { by: HungUpBy::Remote }));
    let out = e.take_outputs();
    assert!(out.contains(&Output::Agent(AgentId(0), AgentNotice::WrapUp { call })));
    assert!(attempts(&out).is_empty(), "the attempt is recorded when the agent dispositions it");
    e.wrap_done(76 * SECOND, AgentId(0), Some(Disposition::Refused));
    let out = e.take_outputs();
    assert_eq!(attempts(&out), vec![Disposition::Refused]);
    assert_eq!(originated(&out).len(), 1, "ready again: the next line");
    let t = e.agent_times(76 * SECOND);
    assert_eq!((t.talk, t.wrap, t.logged_in), (secs(59.7), 10 * SECOND, 76 * SECOND));
}

#[test]
fn cr49_wireless_leads_are_previewed_by_the_predictive_programs_agents() {
    let leads = vec![lead(1, 1, LineType::Wireless), lead(2, 2, LineType::Landline), lead(3, 3, LineType::Unknown)];
    let mut e = engine(ProgramMode::Predictive, leads, 1);
    e.login(0, AgentId(0));
    e.tick(0);
    let out = e.take_outputs();
    assert_eq!(
        originated(&out).iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
        vec![(2, true)],
        "only the landline is system-dialed"
    );
    let landline = originated(&out)[0].0;
    // While the landline rings, the one agent is kept for it: no preview call.
    e.tick(5 * SECOND);
    assert!(!e.take_outputs().iter().any(|o| matches!(o, Output::Agent(_, AgentNotice::PreviewOffered { .. }))));
    // Once it is busy, the agent, idle past blend_idle, is offered the wireless lead as a preview call.
    e.on_event(event(secs(5.2), landline, EventKind::Busy));
    e.tick(secs(5.5));
    let out = e.take_outputs();
    assert!(out.contains(&Output::Agent(AgentId(0), AgentNotice::PreviewOffered { lead: 1 })), "{out:?}");
    e.preview_dial(7 * SECOND, AgentId(0));
    let out = e.take_outputs();
    let dial = originated(&out);
    assert_eq!(
        dial.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
        vec![(1, false)],
        "dialed by the agent, no detector"
    );
    e.on_event(event(15 * SECOND, dial[0].0, EventKind::Answered));
    assert_eq!(bridged(&e.take_outputs()), vec![dial[0].0], "the agent is on the line");
    let c = e.counters();
    assert_eq!((c.system_dials, c.preview_dials), (1, 1));
}

#[test]
fn agentless_drops_voicemail_on_machines_and_opts_out_on_a_key_press() {
    let config = EngineConfig { mode: ProgramMode::Agentless, automated_lines: 2, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(landlines(2))), Box::new(LineTypeGate), Box::new(Once(0)))
            .unwrap();
    e.tick(0);
    let calls = originated(&e.take_outputs());
    assert_eq!(calls.len(), 2);
    let (machine, human) = (calls[0].0, calls[1].0);
    e.on_event(event(18 * SECOND, machine, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Machine, greeting_ended_at: 21 * SECOND, decided_at: 21 * SECOND };
    e.on_event(event(21 * SECOND, machine, amd));
    assert!(played(&e.take_outputs(), Audio::VoicemailDrop));
    e.on_event(event(8 * SECOND, human, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: 9 * SECOND, decided_at: 10 * SECOND };
    e.on_event(event(10 * SECOND, human, amd));
    let out = e.take_outputs();
    assert!(out.iter().any(|o| matches!(o, Output::Carrier(Command::CollectDigits { call, .. }) if *call == human)));
    e.on_event(event(14 * SECOND, human, EventKind::Digits { digit: '9' }));
    assert!(played(&e.take_outputs(), Audio::OptOutConfirmed), "CR-47: the opt-out takes effect at once");
    e.on_event(event(17 * SECOND, human, EventKind::HungUp { by: HungUpBy::System }));
    e.on_event(event(41 * SECOND, machine, EventKind::HungUp { by: HungUpBy::System }));
    let mut d = attempts(&e.take_outputs());
    d.sort();
    assert_eq!(d, vec![Disposition::DoNotCall, Disposition::AnsweringMachine]);
}

#[test]
fn agentless_without_a_voicemail_drop_hangs_up_on_machines() {
    let config = EngineConfig {
        mode: ProgramMode::Agentless,
        automated_lines: 1,
        voicemail_drop: false,
        ..EngineConfig::default()
    };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(landlines(1))), Box::new(LineTypeGate), Box::new(Once(0)))
            .unwrap();
    e.tick(0);
    let machine = originated(&e.take_outputs())[0].0;
    e.on_event(event(18 * SECOND, machine, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Machine, greeting_ended_at: 21 * SECOND, decided_at: 21 * SECOND };
    e.on_event(event(21 * SECOND, machine, amd));
    let out = e.take_outputs();
    assert!(!played(&out, Audio::VoicemailDrop), "no voicemail drop was set: nothing is left on the machine");
    assert!(out.iter().any(|o| matches!(o, Output::Carrier(Command::HangUp { call }) if *call == machine)));
    e.on_event(event(21 * SECOND, machine, EventKind::HungUp { by: HungUpBy::System }));
    assert_eq!(attempts(&e.take_outputs()), vec![Disposition::AnsweringMachine]);
}

/// Whether a recording was played, whatever follows it.
fn prompted(outputs: &[Output], audio: Audio) -> bool {
    outputs.iter().any(|o| matches!(o, Output::Carrier(Command::PlayAudio { audio: a, .. }) if *a == audio))
}

fn ivr_engine(flow: FixedIvr) -> (Engine, CallId) {
    ivr_engine_with(Box::new(flow))
}

/// An IVR engine with one call answered by a person, its flow asked for the first prompt.
fn ivr_engine_with(flow: Box<dyn clearline_dialer::ivr::IvrFlow>) -> (Engine, CallId) {
    let config = EngineConfig { mode: ProgramMode::Ivr, automated_lines: 1, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(landlines(1))), Box::new(LineTypeGate), Box::new(Once(0)))
            .unwrap();
    e.set_ivr_flow(flow);
    e.tick(0);
    let call = originated(&e.take_outputs())[0].0;
    e.on_event(event(8 * SECOND, call, EventKind::Answered));
    let amd =
        EventKind::AmdDecision { result: AmdResult::Human, greeting_ended_at: 9 * SECOND, decided_at: 10 * SECOND };
    e.on_event(event(10 * SECOND, call, amd));
    (e, call)
}

fn finished(e: &mut Engine, call: CallId, at: i64) -> clearline_dialer::engine::AttemptRecord {
    e.on_event(event(at, call, EventKind::HungUp { by: HungUpBy::System }));
    let out = e.take_outputs();
    let Some(Output::Attempt(record)) = out.into_iter().find(|o| matches!(o, Output::Attempt(_))) else {
        panic!("no attempt")
    };
    record
}

#[test]
fn ivr_plays_the_flows_prompts_and_records_one_key_per_question_then_completes() {
    let keys = Keys::of(['1', '2', '3', '4', '5']);
    let (mut e, call) = ivr_engine(FixedIvr { questions: 2, keys });
    let out = e.take_outputs();
    assert!(prompted(&out, Audio::IvrPrompt(0)), "{out:?}");
    assert!(out.contains(&Output::Carrier(Command::CollectDigits { call, max: 1, timeout: 10 * SECOND, keys })));
    e.on_event(event(14 * SECOND, call, EventKind::Digits { digit: '2' }));
    assert!(prompted(&e.take_outputs(), Audio::IvrPrompt(1)));
    e.on_event(event(18 * SECOND, call, EventKind::Digits { digit: '5' }));
    assert!(e.take_outputs().contains(&Output::Carrier(Command::HangUp { call })));
    let record = finished(&mut e, call, 18 * SECOND);
    assert_eq!(record.disposition, Disposition::Complete);
    assert_eq!(record.ivr_answers, vec![('2', 14 * SECOND), ('5', 18 * SECOND)]);
}

#[test]
fn an_ivr_key_the_prompt_does_not_take_replays_it_once_then_ends_the_call() {
    let (mut e, call) = ivr_engine(FixedIvr { questions: 2, keys: Keys::of(['1', '2']) });
    e.take_outputs();
    e.on_event(event(12 * SECOND, call, EventKind::Digits { digit: '1' }));
    e.take_outputs();
    // '7' is not an answer to prompt 1: it plays again and nothing is recorded.
    e.on_event(event(14 * SECOND, call, EventKind::Digits { digit: '7' }));
    let out = e.take_outputs();
    assert!(prompted(&out, Audio::IvrPrompt(1)), "{out:?}");
    assert!(!out.contains(&Output::Carrier(Command::HangUp { call })));
    e.on_event(event(16 * SECOND, call, EventKind::Digits { digit: '8' }));
    assert!(e.take_outputs().contains(&Output::Carrier(Command::HangUp { call })));
    let record = finished(&mut e, call, 16 * SECOND);
    assert_eq!(record.ivr_answers, vec![('1', 12 * SECOND)], "wrong keys are never answers");
    assert_eq!(record.disposition, Disposition::Partial, "one question answered of two (AAPOR 1.2)");
}

/// A flow whose one question closes with words of their own: prompt 7 after any answer.
struct ClosingIvr;

impl clearline_dialer::ivr::IvrFlow for ClosingIvr {
    fn next(&self, pressed: &[char]) -> clearline_dialer::ivr::IvrNext {
        use clearline_dialer::ivr::IvrNext;
        match pressed {
            [] => IvrNext::Ask { prompt: 0, keys: Keys::of(['1', '2']) },
            _ => IvrNext::Close { prompt: 7, disposition: Disposition::Complete },
        }
    }
}

#[test]
fn an_ivr_closing_plays_its_prompt_then_hangs_up_and_a_key_during_it_changes_nothing() {
    let (mut e, call) = ivr_engine_with(Box::new(ClosingIvr));
    e.take_outputs();
    e.on_event(event(12 * SECOND, call, EventKind::Digits { digit: '2' }));
    let out = e.take_outputs();
    assert!(
        out.contains(&Output::Carrier(Command::PlayAudio {
            call,
            audio: Audio::IvrPrompt(7),
            then: clearline_dialer::carrier::AfterAudio::HangUp
        })),
        "{out:?}"
    );
    assert!(!out.contains(&Output::Carrier(Command::HangUp { call })), "the closing plays first: {out:?}");
    e.on_event(event(13 * SECOND, call, EventKind::Digits { digit: '1' }));
    assert!(e.take_outputs().is_empty(), "an answer key during the closing changes nothing");
    let record = finished(&mut e, call, 15 * SECOND);
    assert_eq!(record.disposition, Disposition::Complete);
    assert_eq!(record.ivr_answers, vec![('2', 12 * SECOND)]);
    // The opt-out key still works while the closing plays (CR-47).
    let (mut e, call) = ivr_engine_with(Box::new(ClosingIvr));
    e.on_event(event(12 * SECOND, call, EventKind::Digits { digit: '1' }));
    e.on_event(event(13 * SECOND, call, EventKind::Digits { digit: '9' }));
    assert!(played(&e.take_outputs(), Audio::OptOutConfirmed));
    assert_eq!(finished(&mut e, call, 15 * SECOND).disposition, Disposition::DoNotCall);
}

#[test]
fn an_ivr_call_hung_up_before_any_answer_is_a_break_off_and_the_opt_out_key_works_at_every_prompt() {
    let (mut e, call) = ivr_engine(FixedIvr::default());
    e.take_outputs();
    assert_eq!(finished(&mut e, call, 12 * SECOND).disposition, Disposition::BreakOff);
    let (mut e, call) = ivr_engine(FixedIvr::default());
    e.on_event(event(12 * SECOND, call, EventKind::Digits { digit: '3' }));
    e.on_event(event(14 * SECOND, call, EventKind::Digits { digit: '9' }));
    assert!(played(&e.take_outputs(), Audio::OptOutConfirmed));
    let record = finished(&mut e, call, 16 * SECOND);
    assert_eq!(record.disposition, Disposition::DoNotCall, "CR-47");
    assert_eq!(record.ivr_answers.len(), 1, "the opt-out key is not an answer");
}

/// Manual-only leads are pooled until `closes`; from then on every dial is refused (calling hours).
struct ClosesAt(Micros);

impl clearline_dialer::lead::DialGate for ClosesAt {
    fn gate(&self, lead: &Lead, now: Micros) -> clearline_dialer::lead::Gate {
        use clearline_dialer::lead::Gate;
        if now >= self.0 {
            Gate::Deny
        } else if lead.line_type == LineType::Landline {
            Gate::SystemDial
        } else {
            Gate::ManualOnly
        }
    }
}

#[test]
fn a_pooled_preview_lead_is_asked_again_when_it_leaves_the_pool() {
    // Both wireless leads go to the preview pool at 0 s (the agent is kept for the landline); the
    // calling hours close at 4 s, before the agent is idle long enough to take one.
    let leads = vec![lead(1, 1, LineType::Landline), lead(2, 2, LineType::Wireless), lead(3, 3, LineType::Wireless)];
    let config = EngineConfig { mode: ProgramMode::Predictive, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(leads)), Box::new(ClosesAt(4 * SECOND)), Box::new(Once(3)))
            .unwrap();
    e.login(0, AgentId(0));
    e.tick(0);
    let out = e.take_outputs();
    let landline = originated(&out)[0].0;
    e.on_event(event(SECOND, landline, EventKind::Busy));
    e.tick(6 * SECOND);
    let out = e.take_outputs();
    assert!(
        !out.iter().any(|o| matches!(o, Output::Agent(_, AgentNotice::PreviewOffered { .. }))),
        "closed since pooled: not offered: {out:?}"
    );
    assert_eq!(e.counters().denied, 2, "both pooled leads refused at the instant they would be offered");
}

#[test]
fn an_agent_who_pauses_with_a_preview_on_screen_hands_the_record_to_the_next_agent() {
    let leads = vec![lead(1, 1, LineType::Wireless)];
    let mut e = engine(ProgramMode::Preview, leads, 0);
    e.login(0, AgentId(0));
    assert!(e.take_outputs().contains(&Output::Agent(AgentId(0), AgentNotice::PreviewOffered { lead: 1 })));
    assert!(e.logout(SECOND, AgentId(0)), "an agent with a preview on screen may step away");
    assert!(!e.logout(SECOND, AgentId(0)), "already out");
    e.take_outputs();
    e.login(2 * SECOND, AgentId(1));
    let out = e.take_outputs();
    assert!(
        out.contains(&Output::Agent(AgentId(1), AgentNotice::PreviewOffered { lead: 1 })),
        "the record went back to the pool, its household no longer held: {out:?}"
    );
    e.preview_dial(3 * SECOND, AgentId(0));
    assert!(originated(&e.take_outputs()).is_empty(), "the paused agent cannot dial it any more");
    e.preview_dial(3 * SECOND, AgentId(1));
    assert_eq!(originated(&e.take_outputs()).len(), 1);
}

#[test]
fn a_preview_dial_is_asked_again_at_the_click_and_a_denied_record_is_released() {
    // The record is offered at 0 s; the calling hours close at 4 s; the agent clicks Dial at 5 s.
    let leads = vec![lead(1, 1, LineType::Wireless), lead(2, 2, LineType::Wireless)];
    let config = EngineConfig { mode: ProgramMode::Preview, ..EngineConfig::default() };
    let mut e =
        Engine::new(config, Box::new(MemoryLeads::new(leads)), Box::new(ClosesAt(4 * SECOND)), Box::new(Once(3)))
            .unwrap();
    e.login(0, AgentId(0));
    assert!(e.take_outputs().contains(&Output::Agent(AgentId(0), AgentNotice::PreviewOffered { lead: 1 })));
    assert!(!e.preview_dial(5 * SECOND, AgentId(0)), "closed since offered: not dialed");
    let out = e.take_outputs();
    assert!(originated(&out).is_empty(), "{out:?}");
    assert_eq!(e.counters().denied, 2, "the record on screen, then the next one the ready agent would get");
    assert!(e.logout(6 * SECOND, AgentId(0)), "the agent is ready again (not stuck dialing)");
}
