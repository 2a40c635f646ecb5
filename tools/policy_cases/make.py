#!/usr/bin/env python3
"""Writes crates/core/tests/policy_cases.jsonl: the contact-policy case table.

Every case is a line `clearline policy check` accepts (the extra keys `expect`, `covers` and `note` are
ignored by it). The expectations are written here by hand, from the rule texts in
../shared/docs/compliance-rules.md and the local times worked out in each note — never copied from the
engine's output. `covers` names rules a case tests whose effect is to let the call through (e.g. CR-17:
the federal registry is not applied outside New Hampshire).

    python3 tools/policy_cases/make.py      # rewrite the table after editing the cases here
"""
import json
import pathlib

# A manual GOTV call to a North Carolina landline at noon Eastern (16:00 UTC, EDT = UTC-4): allowed.
BASE = {
    "instant": "2026-06-02T16:00:00Z",
    "candidate_zones": ["America/New_York"],
    "address_state": "NC",
    "phone": "+19195550123",
    "line_type": "landline",
    "dial_mode": "manual",
    "purpose": "gotv",
    "consent": False,
    "on_dnc": False,
    "prerecorded_calls_30d": 0,
    "attempts": 0,
    "max_attempts": 3,
    "agent_country": "US",
    "agent_state": "NC",
    "source_state": "NC",
    "caller_id_authorized": True,
}
# Unless a case says otherwise, the line type was looked up at the instant of the dial (CR-12): `case`
# sets `line_type_checked_at` to the case's instant.
# `recorded` is absent in most cases, which means recorded (CR-28 is then decided by the states of the
# callee and the agent); NC is a one-party state, so the base case announces nothing.
ANN = ["announce_recording"]
# A consent record for this number and caller, checked against the RND after the consent date.
CONSENT = {"consent": True, "consent_at": "2026-01-10T00:00:00Z", "rnd_result": "no", "rnd_checked_at": "2026-05-01T00:00:00Z"}
REASSIGNED = dict(CONSENT, rnd_result="yes")
# Robocall base: a prerecorded GOTV message to the same NC landline.
ROBO = {"dial_mode": "prerecorded"}
IDENT = ["identify_and_offer_opt_out"]
IDENT_RULES = ["CR-5", "CR-6"]

CA = {"address_state": "CA", "candidate_zones": ["America/Los_Angeles"], "phone": "+13105550123", "source_state": "CA"}
MN = {"address_state": "MN", "candidate_zones": ["America/Chicago"], "phone": "+16125550123", "source_state": "MN"}
ND = {"address_state": "ND", "candidate_zones": ["America/Chicago"], "phone": "+17015550123", "source_state": "ND"}
IN = {"address_state": "IN", "candidate_zones": ["America/Indiana/Indianapolis"], "phone": "+13175550123", "source_state": "IN"}
NH = {"address_state": "NH", "candidate_zones": ["America/New_York"], "phone": "+16035550123", "source_state": "NH"}
WIRELESS = {"line_type": "wireless"}
HISTORY = {"attempts": 1, "last_attempt_at": "2026-06-01T16:00:00Z", "last_disposition": "no_answer"}

CASES = []


def case(id, note, expect, covers=(), **over):
    facts = dict(BASE)
    for key, value in over.items():
        if value is DROP:
            facts.pop(key, None)
        else:
            facts[key] = value
    if "line_type_checked_at" not in over and facts.get("instant"):
        facts["line_type_checked_at"] = facts["instant"]
    verdict, rules, conditions, next_at = expect
    line = {"id": id}
    line.update(facts)
    line["note"] = note
    line["expect"] = {
        "verdict": verdict,
        "rules": sorted(rules),
        "conditions": sorted(conditions),
        "next_allowed_at": next_at,
    }
    if covers:
        line["covers"] = list(covers)
    CASES.append(line)


DROP = object()


def allow():
    return ("allow", [], [], None)


def cond(conditions, rules):
    return ("allow_with_conditions", rules, conditions, None)


def deny(rules, next_at=None):
    return ("deny", rules, [], next_at)


def merge(*dicts):
    out = {}
    for d in dicts:
        out.update(d)
    return out


def add(id, note, expect, covers=(), facts=None):
    case(id, note, expect, covers, **(facts or {}))


# --- A. CR-45 boundaries, North Carolina (EDT = UTC-4, EST = UTC-5) ---
add("hours-205959-edt", "20:59:59 EDT: inside 08:00-21:00", allow(), ["CR-45"], {"instant": "2026-06-03T00:59:59Z"})
add("hours-210000-edt", "21:00:00 EDT: the window is closed; opens 08:00 EDT", deny(["CR-45"], "2026-06-03T12:00:00Z"), facts={"instant": "2026-06-03T01:00:00Z"})
add("hours-075959-edt", "07:59:59 EDT: not yet open", deny(["CR-45"], "2026-06-02T12:00:00Z"), facts={"instant": "2026-06-02T11:59:59Z"})
add("hours-080000-edt", "08:00:00 EDT: open", allow(), ["CR-45"], {"instant": "2026-06-02T12:00:00Z"})
add("hours-205959-est", "20:59:59 EST in January", allow(), ["CR-45"], {"instant": "2026-01-14T01:59:59Z"})
add("hours-210000-est", "21:00:00 EST; opens 08:00 EST = 13:00 UTC", deny(["CR-45"], "2026-01-14T13:00:00Z"), facts={"instant": "2026-01-14T02:00:00Z"})
add("hours-075959-est", "07:59:59 EST", deny(["CR-45"], "2026-01-13T13:00:00Z"), facts={"instant": "2026-01-13T12:59:59Z"})
add("hours-080000-est", "08:00:00 EST", allow(), facts={"instant": "2026-01-13T13:00:00Z"})
add("hours-offset-input-open", "08:00 written with its offset", allow(), facts={"instant": "2026-06-02T08:00:00-04:00"})
add("hours-offset-input-closed", "07:59:59 written with its offset", deny(["CR-45"], "2026-06-02T12:00:00Z"), facts={"instant": "2026-06-02T07:59:59-04:00"})

# --- B. Spring forward, 2026-03-08 02:00 EST -> 03:00 EDT ---
add("dst-spring-075959", "07:59:59 EDT on the change day = 11:59:59 UTC", deny(["CR-45"], "2026-03-08T12:00:00Z"), facts={"instant": "2026-03-08T11:59:59Z"})
add("dst-spring-080000", "08:00:00 EDT on the change day = 12:00 UTC (an hour earlier in UTC than the day before)", allow(), facts={"instant": "2026-03-08T12:00:00Z"})
add("dst-spring-eve-1230", "12:30 UTC the day before is 07:30 EST", deny(["CR-45"], "2026-03-07T13:00:00Z"), facts={"instant": "2026-03-07T12:30:00Z"})
add("dst-spring-day-1230", "12:30 UTC on the change day is 08:30 EDT", allow(), facts={"instant": "2026-03-08T12:30:00Z"})
add("dst-spring-205959", "20:59:59 EDT on the change day", allow(), facts={"instant": "2026-03-09T00:59:59Z"})
add("dst-spring-210000", "21:00 EDT on the change day; opens 08:00 EDT next day", deny(["CR-45"], "2026-03-09T12:00:00Z"), facts={"instant": "2026-03-09T01:00:00Z"})
add("dst-spring-overnight", "21:30 EST the evening before; the next opening, 08:00, is already EDT", deny(["CR-45"], "2026-03-08T12:00:00Z"), facts={"instant": "2026-03-08T02:30:00Z"})
add("dst-spring-chicago-075959", "Chicago 07:59:59 CDT", deny(["CR-45"], "2026-03-08T13:00:00Z"), facts={"instant": "2026-03-08T12:59:59Z", "address_state": "IL", "candidate_zones": ["America/Chicago"], "phone": "+13125550123"})
add("dst-spring-chicago-080000", "Chicago 08:00 CDT; Illinois is all-party: announce the recording", cond(ANN, ["CR-28"]), facts={"instant": "2026-03-08T13:00:00Z", "address_state": "IL", "candidate_zones": ["America/Chicago"], "phone": "+13125550123"})

# --- C. Fall back, 2026-11-01 02:00 EDT -> 01:00 EST ---
add("dst-fall-075959", "07:59:59 EST on the change day", deny(["CR-45"], "2026-11-01T13:00:00Z"), facts={"instant": "2026-11-01T12:59:59Z"})
add("dst-fall-080000", "08:00 EST", allow(), facts={"instant": "2026-11-01T13:00:00Z"})
add("dst-fall-day-1230", "12:30 UTC is 07:30 EST on the change day", deny(["CR-45"], "2026-11-01T13:00:00Z"), facts={"instant": "2026-11-01T12:30:00Z"})
add("dst-fall-eve-1230", "12:30 UTC the day before is 08:30 EDT", allow(), facts={"instant": "2026-10-31T12:30:00Z"})
add("dst-fall-205959", "20:59:59 EST on the change day", allow(), facts={"instant": "2026-11-02T01:59:59Z"})
add("dst-fall-210000", "21:00 EST; opens 08:00 EST", deny(["CR-45"], "2026-11-02T13:00:00Z"), facts={"instant": "2026-11-02T02:00:00Z"})
add("dst-fall-overnight", "21:30 EDT the evening before; next opening 08:00 EST", deny(["CR-45"], "2026-11-01T13:00:00Z"), facts={"instant": "2026-11-01T01:30:00Z"})
add("dst-fall-la-075959", "Los Angeles 07:59:59 PST", deny(["CR-45"], "2026-11-01T16:00:00Z"), facts=merge(CA, {"instant": "2026-11-01T15:59:59Z"}))
add("dst-fall-la-080000", "Los Angeles 08:00 PST; California is all-party", cond(ANN, ["CR-28"]), facts=merge(CA, {"instant": "2026-11-01T16:00:00Z"}))

# --- D. Area codes spanning two zones ---
SD = {"address_state": "SD", "candidate_zones": [], "phone": "+16055550123", "source_state": "SD"}
add("605-0830cdt-0730mdt", "605: Mountain and Central; 07:30 MDT", deny(["CR-45"], "2026-06-02T14:00:00Z"), facts=merge(SD, {"instant": "2026-06-02T13:30:00Z"}))
add("605-0800mdt", "605: 08:00 MDT, 09:00 CDT", allow(), ["CR-45"], merge(SD, {"instant": "2026-06-02T14:00:00Z"}))
add("605-205959cdt", "605: 20:59:59 CDT", allow(), facts=merge(SD, {"instant": "2026-06-03T01:59:59Z"}))
add("605-2100cdt", "605: 21:00 CDT although only 20:00 MDT", deny(["CR-45"], "2026-06-03T14:00:00Z"), facts=merge(SD, {"instant": "2026-06-03T02:00:00Z"}))
add("605-address-mountain-area-central", "Rapid City address (Mountain) but the area code is also Central: 21:30 CDT", deny(["CR-45"], "2026-06-03T14:00:00Z"), facts=merge(SD, {"instant": "2026-06-03T02:30:00Z", "candidate_zones": ["America/Denver"]}))
NDX = {"address_state": "ND", "candidate_zones": [], "phone": "+17015550123", "source_state": "ND"}
add("701-075959mdt", "701: 07:59:59 MDT", deny(["CR-45"], "2026-06-02T14:00:00Z"), facts=merge(NDX, {"instant": "2026-06-02T13:59:59Z"}))
add("701-0800mdt", "701: 08:00 MDT", allow(), facts=merge(NDX, {"instant": "2026-06-02T14:00:00Z"}))
add("701-winter-075959mst", "701 in January: 07:59:59 MST", deny(["CR-45"], "2026-01-13T15:00:00Z"), facts=merge(NDX, {"instant": "2026-01-13T14:59:59Z"}))
add("701-winter-205959cst", "701: 20:59:59 CST", allow(), facts=merge(NDX, {"instant": "2026-01-14T02:59:59Z"}))
add("701-winter-2100cst", "701: 21:00 CST, 20:00 MST", deny(["CR-45"], "2026-01-14T15:00:00Z"), facts=merge(NDX, {"instant": "2026-01-14T03:00:00Z"}))
NV = {"address_state": "NV", "candidate_zones": [], "phone": "+17755550123", "source_state": "NV"}
add("775-075959pdt", "775: Mountain (Boise) and Pacific; 07:59:59 PDT", deny(["CR-45"], "2026-06-02T15:00:00Z"), facts=merge(NV, {"instant": "2026-06-02T14:59:59Z"}))
add("775-0800pdt", "775: 08:00 PDT; Nevada is all-party", cond(ANN, ["CR-28"]), facts=merge(NV, {"instant": "2026-06-02T15:00:00Z"}))
add("775-205959mdt", "775: 20:59:59 MDT", cond(ANN, ["CR-28"]), facts=merge(NV, {"instant": "2026-06-03T02:59:59Z"}))
add("775-2100mdt", "775: 21:00 MDT, 20:00 PDT", deny(["CR-45"], "2026-06-03T15:00:00Z"), facts=merge(NV, {"instant": "2026-06-03T03:00:00Z"}))
add("775-reno-address-2030pdt", "Reno address (Pacific) but the area code is also Mountain: 21:30 MDT", deny(["CR-45"], "2026-06-03T15:00:00Z"), facts=merge(NV, {"instant": "2026-06-03T03:30:00Z", "candidate_zones": ["America/Los_Angeles"]}))
AK = {"address_state": "AK", "candidate_zones": [], "phone": "+19075550123", "source_state": "AK"}
add("907-0730hdt", "907: Alaska and Hawaii-Aleutian; 07:30 HDT (Adak)", deny(["CR-45"], "2026-06-02T17:00:00Z"), facts=merge(AK, {"instant": "2026-06-02T16:30:00Z"}))
add("907-0800hdt", "907: 08:00 HDT", allow(), facts=merge(AK, {"instant": "2026-06-02T17:00:00Z"}))
add("907-205959akdt", "907: 20:59:59 AKDT", allow(), facts=merge(AK, {"instant": "2026-06-03T04:59:59Z"}))
add("907-2100akdt", "907: 21:00 AKDT", deny(["CR-45"], "2026-06-03T17:00:00Z"), facts=merge(AK, {"instant": "2026-06-03T05:00:00Z"}))
add("907-winter-075959hst", "907 in January: 07:59:59 HST (Adak)", deny(["CR-45"], "2026-01-13T18:00:00Z"), facts=merge(AK, {"instant": "2026-01-13T17:59:59Z"}))
add("907-anchorage-address-0800hst", "Anchorage address, area code also Adak: 08:00 HST, 09:00 AKST", allow(), facts=merge(AK, {"instant": "2026-01-13T18:00:00Z", "candidate_zones": ["America/Anchorage"]}))
ID = {"address_state": "ID", "candidate_zones": [], "phone": "+12085550123", "source_state": "ID"}
add("208-0730pdt", "208: Boise and Pacific; 07:30 PDT", deny(["CR-45"], "2026-06-02T15:00:00Z"), facts=merge(ID, {"instant": "2026-06-02T14:30:00Z"}))
add("208-0800pdt", "208: 08:00 PDT", allow(), facts=merge(ID, {"instant": "2026-06-02T15:00:00Z"}))

# --- E. Address zone and area-code zone disagree; unknown zones ---
NY_PHONE_CA_ADDRESS = {"address_state": "CA", "candidate_zones": ["America/Los_Angeles"], "phone": "+12125550123", "source_state": "CA"}
add("disagree-212-ca-morning", "New York number, California address: 10:30 EDT but 07:30 PDT", deny(["CR-45"], "2026-06-02T15:00:00Z"), facts=merge(NY_PHONE_CA_ADDRESS, {"instant": "2026-06-02T14:30:00Z"}))
add("disagree-212-ca-evening", "21:00 EDT, 18:00 PDT: the number's zone closes first", deny(["CR-45"], "2026-06-03T15:00:00Z"), facts=merge(NY_PHONE_CA_ADDRESS, {"instant": "2026-06-03T01:00:00Z"}))
add("disagree-212-ca-overlap", "16:00 EDT, 13:00 PDT: open in both; CA callee: announce", cond(ANN, ["CR-28"]), facts=merge(NY_PHONE_CA_ADDRESS, {"instant": "2026-06-02T20:00:00Z"}))
LA_PHONE_NY_ADDRESS = {"address_state": "NY", "candidate_zones": ["America/New_York"], "phone": "+13105550123", "source_state": "NY"}
add("disagree-310-ny-morning", "LA number, NY address: 08:30 EDT is 05:30 PDT", deny(["CR-45"], "2026-06-02T15:00:00Z"), facts=merge(LA_PHONE_NY_ADDRESS, {"instant": "2026-06-02T12:30:00Z"}))
add("disagree-310-ny-2030edt", "20:30 EDT, 17:30 PDT; the CA area code may mean a CA callee", cond(ANN, ["CR-28"]), facts=merge(LA_PHONE_NY_ADDRESS, {"instant": "2026-06-03T00:30:00Z"}))
add("disagree-310-ny-2130edt", "21:30 EDT", deny(["CR-45"], "2026-06-03T15:00:00Z"), facts=merge(LA_PHONE_NY_ADDRESS, {"instant": "2026-06-03T01:30:00Z"}))
add("disagree-808-fl", "Honolulu number, Florida (Eastern) address: 07:00 HST", deny(["CR-45"], "2026-06-02T18:00:00Z"), facts={"address_state": "FL", "candidate_zones": ["America/New_York"], "phone": "+18085550123", "source_state": "FL", "instant": "2026-06-02T17:00:00Z"})
TX = {"address_state": "TX", "candidate_zones": [], "phone": "+15125550123", "source_state": "TX"}
add("unknown-zone-tx-0730mdt", "TX address without a zone: Central and Mountain (El Paso); 07:30 MDT", deny(["CR-45"], "2026-06-02T14:00:00Z"), facts=merge(TX, {"instant": "2026-06-02T13:30:00Z"}))
add("unknown-zone-tx-0800mdt", "TX: 08:00 MDT", allow(), facts=merge(TX, {"instant": "2026-06-02T14:00:00Z"}))
NOWHERE = {"address_state": None, "candidate_zones": []}
add("unknown-state-afternoon", "no state: every US zone, Guam to American Samoa; overlap 22:00-01:00 UTC in June", deny(["CR-45"], "2026-06-02T22:00:00Z"), facts=merge(NOWHERE, {"instant": "2026-06-02T20:00:00Z"}))
add("unknown-state-overlap", "23:00 UTC: 09:00 in Guam, 19:00 EDT, 12:00 in Pago Pago; any state, so announce", cond(ANN, ["CR-28"]), facts=merge(NOWHERE, {"instant": "2026-06-02T23:00:00Z"}))
add("unknown-state-0100utc", "01:00 UTC: 21:00 EDT", deny(["CR-45"], "2026-06-03T22:00:00Z"), facts=merge(NOWHERE, {"instant": "2026-06-03T01:00:00Z"}))

# --- F. The program's own window ---
PW = {"program_window": "09:00-20:30"}
add("program-window-0830", "program 09:00-20:30; 08:30 EDT", deny(["program_window"], "2026-06-02T13:00:00Z"), facts=merge(PW, {"instant": "2026-06-02T12:30:00Z"}))
add("program-window-202959", "20:29:59 EDT", allow(), facts=merge(PW, {"instant": "2026-06-03T00:29:59Z"}))
add("program-window-2030", "20:30 EDT", deny(["program_window"], "2026-06-03T13:00:00Z"), facts=merge(PW, {"instant": "2026-06-03T00:30:00Z"}))
add("program-window-0730", "07:30 EDT: outside both", deny(["CR-45", "program_window"], "2026-06-02T13:00:00Z"), facts=merge(PW, {"instant": "2026-06-02T11:30:00Z"}))
add("program-window-empty", "a window closing before it opens", deny(["contradictory_fact", "program_window"]), facts={"program_window": "20:00-09:00"})

# --- G. State robocall laws and hours (landline, prerecorded, no consent) ---
add("robo-nc-noon", "NC prerecorded: identification and opt-out; 0 earlier robocalls", cond(IDENT, IDENT_RULES), ["CR-3"], ROBO)
add("robo-ca-0830pdt", "CA: no recorded messages before 09:00 (CR-23), though CR-45 opens at 08:00", deny(["CR-23"], "2026-06-02T16:00:00Z"), facts=merge(CA, ROBO, {"instant": "2026-06-02T15:30:00Z"}))
add("robo-ca-0900pdt", "CA 09:00 PDT: a live voice first", cond(IDENT + ANN + ["live_operator_consent_first"], IDENT_RULES + ["CR-23", "CR-28"]), facts=merge(CA, ROBO, {"instant": "2026-06-02T16:00:00Z"}))
add("robo-ca-205959pdt", "CA 20:59:59 PDT", cond(IDENT + ANN + ["live_operator_consent_first"], IDENT_RULES + ["CR-23", "CR-28"]), facts=merge(CA, ROBO, {"instant": "2026-06-03T03:59:59Z"}))
add("robo-ca-2100pdt", "CA 21:00 PDT", deny(["CR-23", "CR-45"], "2026-06-03T16:00:00Z"), facts=merge(CA, ROBO, {"instant": "2026-06-03T04:00:00Z"}))
add("live-ca-0830pdt", "CA live manual call at 08:30: the 09:00 overlay is for recorded messages only", cond(ANN, ["CR-28"]), ["CR-23"], merge(CA, {"instant": "2026-06-02T15:30:00Z"}))
add("robo-ca-with-consent", "CA: the live introduction is required even with consent", cond(IDENT + ANN + ["live_operator_consent_first"], IDENT_RULES + ["CR-23", "CR-28"]), facts=merge(CA, ROBO, CONSENT, {"instant": "2026-06-02T17:00:00Z"}))
add("robo-mn-0830cdt", "MN recorded messages 09:00-21:00 (CR-21)", deny(["CR-21"], "2026-06-02T14:00:00Z"), facts=merge(MN, ROBO, {"instant": "2026-06-02T13:30:00Z"}))
add("robo-mn-0900cdt", "MN 09:00: consent or a live operator first", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-21"]), facts=merge(MN, ROBO, {"instant": "2026-06-02T14:00:00Z"}))
add("live-mn-0830cdt", "MN live call at 08:30", allow(), ["CR-21"], merge(MN, {"instant": "2026-06-02T13:30:00Z"}))
add("robo-mn-consent", "MN with the subscriber's consent: no live operator needed", cond(IDENT, IDENT_RULES), ["CR-21"], merge(MN, ROBO, CONSENT, {"instant": "2026-06-02T15:00:00Z"}))
add("robo-mn-ivr-205959", "MN IVR at 20:59:59 CDT", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-21"]), facts=merge(MN, ROBO, {"dial_mode": "ivr", "instant": "2026-06-03T01:59:59Z"}))
add("robo-nd-0800mdt", "ND (701 spans Mountain): 08:00 MDT, live operator first", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-22"]), facts=merge(ND, ROBO, {"instant": "2026-06-02T14:00:00Z"}))
add("robo-nd-075959mdt", "ND 07:59:59 MDT: outside CR-45 and ND's 08:00-21:00", deny(["CR-22", "CR-45"], "2026-06-02T14:00:00Z"), facts=merge(ND, ROBO, {"instant": "2026-06-02T13:59:59Z"}))
add("robo-nd-consent", "ND with consent", cond(IDENT, IDENT_RULES), ["CR-22"], merge(ND, ROBO, CONSENT, {"instant": "2026-06-02T16:00:00Z"}))
add("robo-in", "IN: consent or a live operator first", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-20"]), facts=merge(IN, ROBO))
add("robo-in-artificial", "IN artificial voice: CR-4 makes it an artificial-voice call", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-4", "CR-20"]), facts=merge(IN, ROBO, {"dial_mode": "artificial_voice"}))
add("robo-in-consent", "IN with consent", cond(IDENT, IDENT_RULES), ["CR-20"], merge(IN, ROBO, CONSENT))
add("live-in", "IN live call", allow(), ["CR-20"], IN)
add("robo-in-by-area-code", "Ohio address, Indiana area code: Indiana's law may apply", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-20"]), facts=merge(ROBO, {"address_state": "OH", "phone": "+13175550123", "source_state": "OH"}))
add("robo-nh", "NH, not on the federal list: name the payer within 30 s; NH is all-party", cond(IDENT + ANN + ["name_payer_within_30s"], IDENT_RULES + ["CR-24", "CR-28"]), facts=merge(NH, ROBO, {"on_national_dnc": False}))
add("robo-nh-national-dnc", "NH: no recorded political message to the federal Do Not Call list", deny(["CR-24"]), facts=merge(NH, ROBO, {"on_national_dnc": True}))
add("robo-nh-national-unknown", "NH recorded message without knowing the federal list", deny(["CR-24", "missing_fact"]), facts=merge(NH, ROBO))
add("live-nh-national-dnc", "NH live call to a number on the federal list: political calls are exempt", cond(ANN, ["CR-28"]), ["CR-17", "CR-24"], merge(NH, {"on_national_dnc": True}))
add("robo-nc-national-dnc", "NC recorded message to the federal list: exempt outside NH", cond(IDENT, IDENT_RULES), ["CR-17"], merge(ROBO, {"on_national_dnc": True}))
add("power-nc-national-dnc", "NC power dial to a landline on the federal list", cond(["play_safe_harbor"], ["CR-46"]), ["CR-17"], {"dial_mode": "power", "on_national_dnc": True})
add("robo-nh-ivr-consent", "NH IVR with consent, not on the federal list", cond(IDENT + ANN + ["name_payer_within_30s"], IDENT_RULES + ["CR-24", "CR-28"]), facts=merge(NH, ROBO, CONSENT, {"dial_mode": "ivr", "on_national_dnc": False}))
add("robo-nh-by-area-code", "Massachusetts address, NH area code, on the federal list", deny(["CR-24"]), facts=merge(ROBO, {"address_state": "MA", "phone": "+16035550123", "source_state": "MA", "on_national_dnc": True}))
add("robo-unknown-state", "no address state: every state's law may apply (IN, MN, ND, CA, NH); 00:00 UTC is 10:00 in Guam, 20:00 EDT, 13:00 in Pago Pago", cond(IDENT + ANN + ["live_operator_consent_first", "name_payer_within_30s"], IDENT_RULES + ["CR-20", "CR-21", "CR-22", "CR-23", "CR-24", "CR-28"]), facts=merge(NOWHERE, ROBO, {"on_national_dnc": False, "instant": "2026-06-03T00:00:00Z"}))

# --- H. CR-3: residential robocalls per rolling 30 days ---
add("cr3-two-before", "2 earlier prerecorded calls: a 3rd is allowed", cond(IDENT, IDENT_RULES), ["CR-3"], merge(ROBO, {"prerecorded_calls_30d": 2}))
add("cr3-three-before", "3 earlier: the 4th is refused", deny(["CR-3"]), facts=merge(ROBO, {"prerecorded_calls_30d": 3}))
add("cr3-five-before", "5 earlier", deny(["CR-3"]), facts=merge(ROBO, {"prerecorded_calls_30d": 5}))
add("cr3-consent", "3 earlier, with consent", cond(IDENT, IDENT_RULES), ["CR-3"], merge(ROBO, CONSENT, {"prerecorded_calls_30d": 3}))
add("cr3-business", "3 earlier to a business landline: CR-3 is about residential lines", cond(IDENT, IDENT_RULES), ["CR-3", "CR-10"], merge(ROBO, {"prerecorded_calls_30d": 3, "business_line": True, "business_lines_in_progress": 0}))
add("cr3-artificial", "3 earlier, artificial voice", deny(["CR-3", "CR-4"]), facts=merge(ROBO, {"prerecorded_calls_30d": 3, "dial_mode": "artificial_voice"}))
add("cr3-count-missing", "a residential robocall without the 30-day count", deny(["CR-3", "missing_fact"]), facts=merge(ROBO, {"prerecorded_calls_30d": DROP}))
add("cr3-count-missing-live", "the count is not needed for a live call", allow(), facts={"prerecorded_calls_30d": DROP})
add("cr3-reassigned", "3 earlier, consent voided by the RND", deny(["CR-3", "CR-13"]), facts=merge(ROBO, REASSIGNED, {"prerecorded_calls_30d": 3}))
add("cr3-ivr", "3 earlier, IVR", deny(["CR-3"]), facts=merge(ROBO, {"prerecorded_calls_30d": 3, "dial_mode": "ivr"}))

# --- H2. CR-10: one line of a multi-line business at a time with an autodialer ---
BUSINESS = {"business_line": True}
add("business-predictive-free", "business landline, no other line of it engaged", cond(["play_safe_harbor"], ["CR-46"]), ["CR-10"], merge(BUSINESS, {"dial_mode": "predictive", "business_lines_in_progress": 0}))
add("business-predictive-busy", "the dialer is already on another line of this business", deny(["CR-10"]), facts=merge(BUSINESS, {"dial_mode": "predictive", "business_lines_in_progress": 1}))
add("business-prerecorded-busy", "a recorded message while two other lines of the business are engaged", deny(["CR-10"]), facts=merge(BUSINESS, ROBO, {"business_lines_in_progress": 2}))
add("business-power-unknown", "the count of the business's lines in progress is unknown", deny(["CR-10", "missing_fact"]), facts=merge(BUSINESS, {"dial_mode": "power"}))
add("business-manual-busy", "a human-dialed call is not an autodialer", allow(), ["CR-10"], merge(BUSINESS, {"business_lines_in_progress": 1}))

# --- I. CR-1, CR-49, CR-11: wireless, VoIP and unknown lines ---
add("wireless-prerecorded", "wireless prerecorded without consent", deny(["CR-1"]), facts=merge(WIRELESS, ROBO))
add("wireless-artificial", "wireless AI voice without consent", deny(["CR-1", "CR-4"]), facts=merge(WIRELESS, {"dial_mode": "artificial_voice"}))
add("wireless-ivr", "wireless IVR without consent", deny(["CR-1"]), facts=merge(WIRELESS, {"dial_mode": "ivr"}))
add("wireless-prerecorded-consent", "wireless prerecorded with consent", cond(IDENT, IDENT_RULES), ["CR-1", "CR-13"], merge(WIRELESS, ROBO, CONSENT))
add("wireless-manual", "a human-dialed live call needs no consent", allow(), ["CR-11", "CR-1"], WIRELESS)
add("wireless-preview", "preview: a human starts the dial", allow(), ["CR-11", "CR-49"], merge(WIRELESS, {"dial_mode": "preview"}))
add("wireless-predictive", "wireless predictive without consent: dial by hand", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-46", "CR-49"]), facts=merge(WIRELESS, {"dial_mode": "predictive"}))
add("wireless-power", "wireless power without consent", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-46", "CR-49"]), facts=merge(WIRELESS, {"dial_mode": "power"}))
add("wireless-predictive-consent", "wireless predictive with consent", cond(["play_safe_harbor"], ["CR-46"]), ["CR-49"], merge(WIRELESS, CONSENT, {"dial_mode": "predictive"}))
add("voip-prerecorded", "VoIP counts as wireless", deny(["CR-1"]), facts=merge(ROBO, {"line_type": "voip"}))
add("voip-predictive", "VoIP predictive", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-46", "CR-49"]), facts={"line_type": "voip", "dial_mode": "predictive"})
add("unknown-prerecorded", "unknown line type counts as wireless", deny(["CR-1"]), facts=merge(ROBO, {"line_type": "unknown"}))
add("unknown-power", "unknown line, power dial", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-46", "CR-49"]), facts={"line_type": "unknown", "dial_mode": "power"})
add("unknown-manual", "unknown line, manual", allow(), ["CR-11"], {"line_type": "unknown"})
add("landline-predictive", "residential landline predictive: no consent needed", cond(["play_safe_harbor"], ["CR-46"]), ["CR-49"], {"dial_mode": "predictive"})
add("wireless-fundraising-manual", "fundraising live call to a wireless line", allow(), ["CR-11"], merge(WIRELESS, {"purpose": "fundraising"}))
add("survey-landline-power", "survey, landline, power dial", cond(["play_safe_harbor"], ["CR-46"]), facts={"purpose": "survey", "dial_mode": "power"})
add("persuasion-landline-robo", "persuasion recorded message to a landline", cond(IDENT, IDENT_RULES), facts=merge(ROBO, {"purpose": "persuasion"}))

# --- J. CR-2: protected lines ---
TOLL_FREE = {"phone": "+18005550123", "line_type": "protected"}
add("protected-tollfree-prerecorded", "toll-free prerecorded without consent", deny(["CR-2"]), facts=merge(TOLL_FREE, ROBO))
add("protected-hospital-predictive", "a hospital line: predictive without consent", cond(["manual_dial_only", "play_safe_harbor"], ["CR-2", "CR-46", "CR-49"]), facts={"line_type": "protected", "dial_mode": "predictive"})
add("protected-manual", "protected line, manual", allow(), ["CR-2"], {"line_type": "protected"})
add("protected-artificial-fundraising", "every purpose: fundraising AI voice", deny(["CR-2", "CR-4"]), facts={"line_type": "protected", "dial_mode": "artificial_voice", "purpose": "fundraising"})
add("protected-prerecorded-consent", "protected line with consent", cond(IDENT, IDENT_RULES), ["CR-2"], merge({"line_type": "protected"}, ROBO, CONSENT))
add("tollfree-said-landline", "a toll-free number called a landline", deny(["contradictory_fact"]), facts={"phone": "+18005550123", "line_type": "landline"})
add("tollfree-said-wireless", "a toll-free number called wireless", deny(["contradictory_fact"]), facts={"phone": "+18885550123", "line_type": "wireless"})

# --- K. CR-13: reassigned numbers against consent dates ---
add("rnd-reassigned-prerecorded", "RND says reassigned since consent: the consent is void", deny(["CR-1", "CR-13"]), facts=merge(WIRELESS, ROBO, REASSIGNED))
add("rnd-reassigned-predictive", "voided consent, predictive: dial by hand", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-13", "CR-46", "CR-49"]), facts=merge(WIRELESS, REASSIGNED, {"dial_mode": "predictive"}))
add("rnd-no-data", "RND has no data: the consent stands", cond(IDENT, IDENT_RULES), ["CR-13"], merge(WIRELESS, ROBO, CONSENT, {"rnd_result": "no_data"}))
add("rnd-missing", "consent relied on without an RND check", deny(["CR-13", "missing_fact"]), facts=merge(WIRELESS, ROBO, CONSENT, {"rnd_result": DROP, "rnd_checked_at": DROP}))
add("consent-date-missing", "consent relied on without its date", deny(["CR-13", "missing_fact"]), facts=merge(WIRELESS, ROBO, CONSENT, {"consent_at": DROP}))
add("rnd-before-consent", "an RND check older than the consent", deny(["contradictory_fact"]), facts=merge(WIRELESS, ROBO, CONSENT, {"consent_at": "2026-03-01T00:00:00Z", "rnd_checked_at": "2026-02-01T00:00:00Z"}))
add("consent-in-future", "consent dated after the instant", deny(["contradictory_fact"]), facts=merge(CONSENT, {"consent_at": "2026-07-01T00:00:00Z", "rnd_checked_at": DROP, "rnd_result": DROP}))
add("consent-date-without-consent", "a consent date with consent false", deny(["contradictory_fact"]), facts={"consent_at": "2026-01-10T00:00:00Z"})
add("rnd-reassigned-in", "IN recorded message, consent voided: live operator first", cond(IDENT + ["live_operator_consent_first"], IDENT_RULES + ["CR-13", "CR-20"]), facts=merge(IN, ROBO, REASSIGNED))

# --- L. CR-47, CR-7: internal do-not-call lists ---
add("dnc-campaign", "on the campaign list", deny(["CR-47", "CR-7"]), facts={"on_dnc": True})
add("dnc-org", "on the organization list", deny(["CR-47", "CR-7"]), facts={"on_org_dnc": True})
add("dnc-and-wireless-robo", "on the list and a wireless robocall", deny(["CR-1", "CR-47", "CR-7"]), facts=merge(WIRELESS, ROBO, {"on_dnc": True}))
add("dnc-at-night", "on the list at 22:00: waiting does not help, no next time", deny(["CR-45", "CR-47", "CR-7"]), facts={"on_dnc": True, "instant": "2026-06-03T02:00:00Z"})
add("dnc-missing", "the list was not consulted", deny(["missing_fact"]), facts={"on_dnc": DROP})
add("dnc-with-consent", "consent does not override an opt-out", deny(["CR-47", "CR-7"]), facts=merge(CONSENT, {"on_dnc": True, "dial_mode": "predictive"}))
add("dnc-disposition", "the last call ended with a do-not-call request", deny(["CR-47", "final_disposition"]), facts=merge(HISTORY, {"last_disposition": "do_not_call"}))

# --- M. Attempt rules ---
add("attempts-at-max", "3 of 3 attempts", deny(["max_attempts"]), facts=merge(HISTORY, {"attempts": 3}))
add("attempts-below-max", "2 of 3, last yesterday, busy", allow(), facts=merge(HISTORY, {"attempts": 2, "last_disposition": "busy"}))
add("spacing-60min", "last attempt 60 min ago, default spacing 120 min", deny(["min_spacing"], "2026-06-02T17:00:00Z"), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T15:00:00Z"}))
add("spacing-exactly-120", "exactly 120 min later", allow(), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T14:00:00Z"}))
add("spacing-one-second-short", "119 min 59 s later", deny(["min_spacing"], "2026-06-02T16:00:01Z"), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T14:00:01Z"}))
add("spacing-program-30", "program spacing 30 min, 45 min later", allow(), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T15:15:00Z", "min_spacing_minutes": 30}))
add("spacing-program-240", "program spacing 240 min, 3 h later", deny(["min_spacing"], "2026-06-02T17:00:00Z"), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T13:00:00Z", "min_spacing_minutes": 240}))
add("spacing-history-missing", "1 attempt but no time of it", deny(["min_spacing", "missing_fact"]), facts=merge(HISTORY, {"last_attempt_at": DROP}))
add("history-without-attempts", "a last attempt with attempts 0", deny(["contradictory_fact"]), facts={"last_attempt_at": "2026-06-01T16:00:00Z"})
add("last-attempt-in-future", "the last attempt after the instant", deny(["contradictory_fact", "min_spacing"]), facts=merge(HISTORY, {"last_attempt_at": "2026-06-02T17:00:00Z"}))
add("spacing-past-closing", "20:30 EDT, last at 20:00: ready at 22:00, closed; next 08:00", deny(["min_spacing"], "2026-06-03T12:00:00Z"), facts=merge(HISTORY, {"instant": "2026-06-03T00:30:00Z", "last_attempt_at": "2026-06-03T00:00:00Z"}))
for code in ["refused", "wrong_number", "deceased", "moved", "complete", "break_off"]:
    add(f"final-{code}", f"last disposition {code}: final, no redial", deny(["final_disposition"]), facts=merge(HISTORY, {"last_disposition": code}))
for code in ["answering_machine", "callback_requested"]:
    add(f"retry-{code}", f"last disposition {code}: a retry is allowed", allow(), facts=merge(HISTORY, {"last_disposition": code}))
add("household-at-cap", "household cap 4 reached", deny(["household_cap"]), facts={"max_household_attempts": 4, "household_attempts": 4})
add("household-below-cap", "household 3 of 4", allow(), facts={"max_household_attempts": 4, "household_attempts": 3})
add("household-count-missing", "a cap without the household's count", deny(["household_cap", "missing_fact"]), facts={"max_household_attempts": 4})
add("max-attempts-zero", "a program allowing no attempts", deny(["max_attempts"]), facts={"max_attempts": 0})
add("attempts-missing", "attempts unknown", deny(["missing_fact"]), facts={"attempts": DROP})

# --- N. CR-39, CR-41: data location ---
add("ca-record-offshore-agent", "California record, agent in the Philippines", deny(["CR-39"]), facts=merge(CA, {"agent_country": "PH", "instant": "2026-06-02T19:00:00Z"}))
add("nc-record-offshore-agent", "NC record, agent in the Philippines", allow(), ["CR-39"], {"agent_country": "PH"})
add("ca-record-us-agent", "California record, US agent (CA callee: announce)", cond(ANN, ["CR-28"]), ["CR-39"], merge(CA, {"instant": "2026-06-02T19:00:00Z"}))
add("offshore-agent-source-unknown", "agent abroad, record's source state unknown", deny(["CR-39", "missing_fact"]), facts={"agent_country": "PH", "source_state": DROP})
add("agent-in-china", "agent in China", deny(["CR-41"]), facts={"agent_country": "CN"})
add("agent-in-russia-ca-record", "agent in Russia, California record", deny(["CR-39", "CR-41"]), facts=merge(CA, {"agent_country": "RU", "instant": "2026-06-02T19:00:00Z"}))
add("vendor-in-venezuela", "vendor in Venezuela, US agent", deny(["CR-41"]), facts={"vendor_country": "VE"})
add("agent-country-missing", "a live call with the agent's country unknown", deny(["CR-39", "CR-41", "missing_fact"]), facts={"agent_country": DROP})
add("agent-country-missing-robocall", "a recorded message has no agent", cond(IDENT, IDENT_RULES), ["CR-41"], merge(ROBO, {"agent_country": DROP}))
add("agent-in-hong-kong", "Hong Kong is covered with China", deny(["CR-41"]), facts={"agent_country": "HK"})
add("ca-record-robocall-offshore-vendor-agent", "CA record in a recorded message: no agent sees it", cond(IDENT, IDENT_RULES), ["CR-39"], merge(ROBO, {"source_state": "CA", "agent_country": "PH"}))

# --- O. CR-28: announcing a recording ---
add("recorded-nc-agent-nc", "NC callee, NC agent: one-party states", allow(), ["CR-28"], {"recorded": True, "agent_state": "NC"})
add("recorded-nc-agent-unknown", "agent's state unknown: taken as all-party", cond(["announce_recording"], ["CR-28"]), facts={"recorded": True, "agent_state": DROP})
add("recording-unknown-nv", "not said whether recorded: taken as recorded; Nevada callee", cond(ANN, ["CR-28"]), facts=merge(NV, {"instant": "2026-06-02T18:00:00Z"}))
add("recording-unknown-agent-pa", "not said whether recorded, agent in Pennsylvania", cond(ANN, ["CR-28"]), facts={"agent_state": "PA"})
add("not-recorded-agent-pa", "said to be unrecorded, agent in Pennsylvania", allow(), ["CR-28"], {"agent_state": "PA", "recorded": False})
add("recorded-ca-callee", "California callee", cond(["announce_recording"], ["CR-28"]), facts=merge(CA, {"recorded": True, "agent_state": "TX", "instant": "2026-06-02T19:00:00Z"}))
add("recorded-pa-agent", "agent in Pennsylvania", cond(["announce_recording"], ["CR-28"]), facts={"recorded": True, "agent_state": "PA"})
add("not-recorded-ca", "said to be unrecorded: nothing to announce", allow(), ["CR-28"], merge(CA, {"instant": "2026-06-02T19:00:00Z", "recorded": False}))
add("recorded-fl-area-code", "Georgia address, Florida area code", cond(["announce_recording"], ["CR-28"]), facts={"recorded": True, "agent_state": "GA", "address_state": "GA", "phone": "+13055550123", "source_state": "GA"})

# --- P. Missing facts ---
for key in ["instant", "phone", "line_type", "dial_mode", "purpose", "consent"]:
    add(f"missing-{key}", f"no {key}", deny(["missing_fact"]), facts={key: DROP})
case("missing-everything", "an empty case", deny(["missing_fact", "CR-14", "CR-15"]), **{k: DROP for k in BASE})

# --- Q. CR-12: a landline is relied on only when its line type was looked up within 15 days ---
PRED = {"dial_mode": "predictive"}
add("cr12-stale-predictive", "landline looked up 23 days ago: may be ported to wireless; dial by hand", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-12", "CR-46", "CR-49"]), facts=merge(PRED, {"line_type_checked_at": "2026-05-10T00:00:00Z"}))
add("cr12-exactly-15-days", "looked up exactly 15 days before: still fresh", cond(["play_safe_harbor"], ["CR-46"]), ["CR-12"], merge(PRED, {"line_type_checked_at": "2026-05-18T16:00:00Z"}))
add("cr12-15-days-and-a-second", "15 days and 1 s before: stale", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-12", "CR-46", "CR-49"]), facts=merge(PRED, {"line_type_checked_at": "2026-05-18T15:59:59Z"}))
add("cr12-never-looked-up", "no lookup at all: not relied on", cond(["manual_dial_only", "play_safe_harbor"], ["CR-1", "CR-12", "CR-46", "CR-49"]), facts=merge(PRED, {"line_type_checked_at": DROP}))
add("cr12-stale-prerecorded", "a recorded message to a stale landline without consent", deny(["CR-1", "CR-12"]), facts=merge(ROBO, {"line_type_checked_at": "2026-04-01T00:00:00Z"}))
add("cr12-stale-prerecorded-consent", "stale, but the number's consent covers a wireless line too", cond(IDENT, IDENT_RULES), ["CR-12"], merge(ROBO, CONSENT, {"line_type_checked_at": "2026-04-01T00:00:00Z"}))
add("cr12-stale-manual", "a human dials: nothing relies on the line type", allow(), ["CR-12"], {"line_type_checked_at": "2026-01-01T00:00:00Z"})
add("cr12-looked-up-after-instant", "a list built for an instant before the lookup: the lookup is current", cond(["play_safe_harbor"], ["CR-46"]), ["CR-12"], merge(PRED, {"line_type_checked_at": "2026-06-20T00:00:00Z"}))

# --- R. CR-14, CR-15: every dial presents an attested caller ID ---
add("caller-id-not-attested", "the program's caller ID is not attested", deny(["CR-14", "CR-15"]), facts={"caller_id_authorized": False})
add("caller-id-unknown", "whether the caller ID is attested is not known", deny(["CR-14", "CR-15", "missing_fact"]), facts={"caller_id_authorized": DROP})
add("caller-id-not-attested-at-night", "not attested and after hours: waiting does not help", deny(["CR-14", "CR-15", "CR-45"]), facts={"caller_id_authorized": False, "instant": "2026-06-03T02:00:00Z"})
add("caller-id-not-attested-robocall", "a recorded message with an unattested caller ID", deny(["CR-14", "CR-15"]), facts=merge(ROBO, {"caller_id_authorized": False}))

# --- S. CR-27: Florida and Oklahoma, calls with commercial content ---
FL = {"address_state": "FL", "candidate_zones": ["America/New_York"], "phone": "+13055550123", "source_state": "FL"}
SALES = {"commercial_content": True, "calls_24h": 0}
WRITTEN = dict(CONSENT, written_consent=True)
add("cr27-fl-predictive-no-written-consent", "FL, commercial, predictive without written consent: dial by hand; FL is all-party", cond(["manual_dial_only", "play_safe_harbor"] + ANN, ["CR-27", "CR-46", "CR-28"]), facts=merge(FL, SALES, PRED))
add("cr27-fl-predictive-written-consent", "FL, commercial, written consent: the system may dial", cond(["play_safe_harbor"] + ANN, ["CR-46", "CR-28"]), ["CR-27"], merge(FL, SALES, PRED, WRITTEN))
add("cr27-fl-prerecorded-no-consent", "FL, commercial recorded message without consent", deny(["CR-27"]), facts=merge(FL, SALES, ROBO))
add("cr27-fl-prerecorded-oral-consent", "oral consent is not written consent", deny(["CR-27"]), facts=merge(FL, SALES, ROBO, CONSENT))
add("cr27-fl-prerecorded-written-voided", "written consent voided by the RND", deny(["CR-13", "CR-27"]), facts=merge(FL, SALES, ROBO, WRITTEN, {"rnd_result": "yes"}))
add("cr27-fl-195959", "FL commercial, 19:59:59 EDT: inside 08:00-20:00", cond(ANN, ["CR-28"]), ["CR-27"], merge(FL, SALES, {"instant": "2026-06-02T23:59:59Z"}))
add("cr27-fl-2000", "FL commercial, 20:00:00 EDT: closed; opens 08:00 EDT", deny(["CR-27"], "2026-06-03T12:00:00Z"), facts=merge(FL, SALES, {"instant": "2026-06-03T00:00:00Z"}))
add("cr27-fl-political-2030", "FL, purely political, 20:30 EDT: the sales-call law does not apply", cond(ANN, ["CR-28"]), ["CR-27"], merge(FL, {"instant": "2026-06-03T00:30:00Z"}))
add("cr27-ok-2000-cdt", "Oklahoma commercial, 20:00 CDT", deny(["CR-27"], "2026-06-03T13:00:00Z"), facts=merge(SALES, {"address_state": "OK", "candidate_zones": ["America/Chicago"], "phone": "+14055550123", "source_state": "OK", "instant": "2026-06-03T01:00:00Z"}))
add("cr27-ok-195959-cdt", "Oklahoma commercial, 19:59:59 CDT", allow(), ["CR-27"], merge(SALES, {"address_state": "OK", "candidate_zones": ["America/Chicago"], "phone": "+14055550123", "source_state": "OK", "instant": "2026-06-03T00:59:59Z"}))
add("cr27-fl-area-code-ga-address", "Georgia address, Florida area code, commercial, 20:15 EDT", deny(["CR-27"], "2026-06-03T12:00:00Z"), facts=merge(SALES, {"address_state": "GA", "phone": "+13055550123", "source_state": "GA", "instant": "2026-06-03T00:15:00Z"}))
add("cr27-nc-commercial-2030", "NC, commercial, 20:30 EDT: neither Florida nor Oklahoma", allow(), ["CR-27"], merge(SALES, {"instant": "2026-06-03T00:30:00Z"}))
SALES_HISTORY = {"attempts": 3, "max_attempts": 5, "last_attempt_at": "2026-06-02T14:00:00Z", "last_disposition": "no_answer"}
add("cr27-fl-third-call-in-24h", "three calls on this subject in 24 h: the next 24 h after the last", deny(["CR-27"], "2026-06-03T14:00:00Z"), facts=merge(FL, SALES, SALES_HISTORY, {"calls_24h": 3}))
add("cr27-fl-two-calls-in-24h", "two calls in 24 h: a third is allowed", cond(ANN, ["CR-28"]), ["CR-27"], merge(FL, SALES, SALES_HISTORY, {"calls_24h": 2}))
add("cr27-fl-calls-unknown", "commercial in FL without the 24-hour count", deny(["CR-27", "missing_fact"]), facts=merge(FL, SALES, {"calls_24h": DROP}))
add("cr27-fl-manual-no-consent", "a human dials: no written consent needed", cond(ANN, ["CR-28"]), ["CR-27"], merge(FL, SALES))
add("written-consent-without-consent", "written consent claimed with consent false", deny(["contradictory_fact"]), facts={"written_consent": True})


def main():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    out = pathlib.Path(__file__).resolve().parents[2] / "crates/core/tests/policy_cases.jsonl"
    out.write_text("".join(json.dumps(c, separators=(",", ":")) + "\n" for c in CASES))
    print(f"{len(CASES)} cases -> {out}")


if __name__ == "__main__":
    main()
