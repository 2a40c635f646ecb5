//! Time zones from an address: which IANA zones a person at a US address may be in.
//!
//! [`zones_for_address`] gives every candidate zone. Calling-hours rules must treat them all as candidates
//! (CR-45: the window must be open in every one), so the answer errs towards more zones, never fewer:
//!
//! - a state (or DC, or a territory) wholly in one zone gives that zone;
//! - a state split across zones resolves by county where the county is wholly in one zone (its IANA zone:
//!   e.g. `America/Indiana/Vincennes` for Knox County, Indiana, `America/Menominee` for Michigan's four
//!   Central-time counties, `America/Boise` for Malheur County, Oregon);
//! - a county itself split across zones, an unknown county, or no county gives every zone of the state;
//! - an unknown state gives every US zone ([`ALL_US_ZONES`]).
//!
//! Counties are matched case-insensitively, with or without "County" (or "Parish", "Borough", "Census
//! Area", "City and Borough", "Municipality"), ignoring spaces, dots, hyphens and apostrophes (`St. Joseph`,
//! `Saint Joseph`, `LaPorte`, `La Porte` all match), by former names (`Shannon`, `Wade Hampton`), or by
//! the 5-digit county FIPS code (`12033`). States by two-letter code or name.
//!
//! Where a county's zone assignment comes from, and each split state's rules, are in docs/time-zones.md.
//! The county list is the Census Bureau's (names and FIPS codes, 2000–2020 vintages, so renamed and
//! re-coded counties still match).

use std::collections::HashMap;
use std::sync::OnceLock;

const NEW_YORK: &str = "America/New_York";
const CHICAGO: &str = "America/Chicago";
const DENVER: &str = "America/Denver";
const PHOENIX: &str = "America/Phoenix";
const LOS_ANGELES: &str = "America/Los_Angeles";
const ANCHORAGE: &str = "America/Anchorage";
const ADAK: &str = "America/Adak";
const HONOLULU: &str = "Pacific/Honolulu";
const PUERTO_RICO: &str = "America/Puerto_Rico";
const ST_THOMAS: &str = "America/St_Thomas";
const GUAM: &str = "Pacific/Guam";
const SAIPAN: &str = "Pacific/Saipan";
const PAGO_PAGO: &str = "Pacific/Pago_Pago";

/// Every zone a US address can be in, by the clock rules in force: the six zones of the states (Eastern,
/// Central, Mountain, Arizona's Mountain Standard, Pacific, Alaska), Hawaii–Aleutian with and without
/// daylight saving time, and the territories'. Zones that share their rules with one of these today
/// (`America/Detroit`, `America/Indiana/*`, `America/Boise`, `America/Juneau`, …) are left out: they add
/// no clock time to check.
pub const ALL_US_ZONES: &[&str] = &[
    NEW_YORK,
    CHICAGO,
    DENVER,
    PHOENIX,
    LOS_ANGELES,
    ANCHORAGE,
    ADAK,
    HONOLULU,
    PUERTO_RICO,
    ST_THOMAS,
    GUAM,
    SAIPAN,
    PAGO_PAGO,
];

struct State {
    code: &'static str,
    fips: u8,
    name: &'static str,
    /// Every zone of the state, the one of most of its people first.
    zones: &'static [&'static str],
}

const fn state(code: &'static str, fips: u8, name: &'static str, zones: &'static [&'static str]) -> State {
    State { code, fips, name, zones }
}

const STATES: &[State] = &[
    state("AL", 1, "Alabama", &[CHICAGO, NEW_YORK]),
    state(
        "AK",
        2,
        "Alaska",
        &[ANCHORAGE, "America/Juneau", "America/Sitka", "America/Metlakatla", "America/Yakutat", "America/Nome", ADAK],
    ),
    state("AZ", 4, "Arizona", &[PHOENIX, DENVER]),
    state("AR", 5, "Arkansas", &[CHICAGO]),
    state("CA", 6, "California", &[LOS_ANGELES]),
    state("CO", 8, "Colorado", &[DENVER]),
    state("CT", 9, "Connecticut", &[NEW_YORK]),
    state("DE", 10, "Delaware", &[NEW_YORK]),
    state("DC", 11, "District of Columbia", &[NEW_YORK]),
    state("FL", 12, "Florida", &[NEW_YORK, CHICAGO]),
    state("GA", 13, "Georgia", &[NEW_YORK]),
    state("HI", 15, "Hawaii", &[HONOLULU]),
    state("ID", 16, "Idaho", &["America/Boise", LOS_ANGELES]),
    state("IL", 17, "Illinois", &[CHICAGO]),
    state(
        "IN",
        18,
        "Indiana",
        &[
            "America/Indiana/Indianapolis",
            CHICAGO,
            "America/Indiana/Knox",
            "America/Indiana/Tell_City",
            "America/Indiana/Winamac",
            "America/Indiana/Vincennes",
            "America/Indiana/Petersburg",
            "America/Indiana/Marengo",
            "America/Indiana/Vevay",
            NEW_YORK,
            "America/Kentucky/Louisville",
        ],
    ),
    state("IA", 19, "Iowa", &[CHICAGO]),
    state("KS", 20, "Kansas", &[CHICAGO, DENVER]),
    state("KY", 21, "Kentucky", &[NEW_YORK, "America/Kentucky/Louisville", "America/Kentucky/Monticello", CHICAGO]),
    state("LA", 22, "Louisiana", &[CHICAGO]),
    state("ME", 23, "Maine", &[NEW_YORK]),
    state("MD", 24, "Maryland", &[NEW_YORK]),
    state("MA", 25, "Massachusetts", &[NEW_YORK]),
    state("MI", 26, "Michigan", &["America/Detroit", "America/Menominee"]),
    state("MN", 27, "Minnesota", &[CHICAGO]),
    state("MS", 28, "Mississippi", &[CHICAGO]),
    state("MO", 29, "Missouri", &[CHICAGO]),
    state("MT", 30, "Montana", &[DENVER]),
    state("NE", 31, "Nebraska", &[CHICAGO, DENVER]),
    state("NV", 32, "Nevada", &[LOS_ANGELES, DENVER]),
    state("NH", 33, "New Hampshire", &[NEW_YORK]),
    state("NJ", 34, "New Jersey", &[NEW_YORK]),
    state("NM", 35, "New Mexico", &[DENVER]),
    state("NY", 36, "New York", &[NEW_YORK]),
    state("NC", 37, "North Carolina", &[NEW_YORK]),
    state(
        "ND",
        38,
        "North Dakota",
        &[
            CHICAGO,
            DENVER,
            "America/North_Dakota/Center",
            "America/North_Dakota/New_Salem",
            "America/North_Dakota/Beulah",
        ],
    ),
    state("OH", 39, "Ohio", &[NEW_YORK]),
    state("OK", 40, "Oklahoma", &[CHICAGO]),
    state("OR", 41, "Oregon", &[LOS_ANGELES, "America/Boise"]),
    state("PA", 42, "Pennsylvania", &[NEW_YORK]),
    state("RI", 44, "Rhode Island", &[NEW_YORK]),
    state("SC", 45, "South Carolina", &[NEW_YORK]),
    state("SD", 46, "South Dakota", &[CHICAGO, DENVER]),
    state("TN", 47, "Tennessee", &[CHICAGO, NEW_YORK]),
    state("TX", 48, "Texas", &[CHICAGO, DENVER]),
    state("UT", 49, "Utah", &[DENVER]),
    state("VT", 50, "Vermont", &[NEW_YORK]),
    state("VA", 51, "Virginia", &[NEW_YORK]),
    state("WA", 53, "Washington", &[LOS_ANGELES]),
    state("WV", 54, "West Virginia", &[NEW_YORK]),
    state("WI", 55, "Wisconsin", &[CHICAGO]),
    state("WY", 56, "Wyoming", &[DENVER]),
    state("AS", 60, "American Samoa", &[PAGO_PAGO]),
    state("GU", 66, "Guam", &[GUAM]),
    state("MP", 69, "Northern Mariana Islands", &[SAIPAN]),
    state("PR", 72, "Puerto Rico", &[PUERTO_RICO]),
    state("VI", 78, "U.S. Virgin Islands", &[ST_THOMAS]),
];

/// Candidate IANA time zones for an address, from its state and, where the state is split, its county
/// (name or 5-digit FIPS code). Never empty. See the module documentation for the rules.
pub fn zones_for_address(state: &str, county: Option<&str>) -> Vec<&'static str> {
    let Some(state) = find_state(state) else { return ALL_US_ZONES.to_vec() };
    if state.zones.len() == 1 {
        return state.zones.to_vec();
    }
    let county = county.map(str::trim).filter(|c| !c.is_empty());
    county.and_then(|county| county_zones(state, county)).unwrap_or(state.zones).to_vec()
}

/// The two-letter codes of every state, DC and territory this module knows, in a fixed order.
pub fn state_codes() -> impl Iterator<Item = &'static str> {
    STATES.iter().map(|s| s.code)
}

/// Every zone of a state (by two-letter code or name), the one of most of its people first; `None` for an
/// unknown state. What [`zones_for_address`] gives when the county is unknown, without allocating.
pub fn state_zones(state: &str) -> Option<&'static [&'static str]> {
    find_state(state).map(|s| s.zones)
}

fn find_state(text: &str) -> Option<&'static State> {
    let text = text.trim();
    STATES.iter().find(|s| s.code.eq_ignore_ascii_case(text) || s.name.eq_ignore_ascii_case(text))
}

/// The zones of a county of a split state, `None` when the county is unknown (or named by the FIPS code of
/// a county in another state).
fn county_zones(state: &'static State, county: &str) -> Option<&'static [&'static str]> {
    let counties = counties();
    if county.len() == 5 && county.bytes().all(|b| b.is_ascii_digit()) {
        let fips: u32 = county.parse().ok()?;
        return counties.by_fips.get(&fips).filter(|(code, _)| *code == state.code).map(|(_, zones)| &zones[..]);
    }
    counties.by_name.get(&(state.code, county_key(county))).map(|zones| &zones[..])
}

/// A county name reduced for matching: lower case, no "County"-like suffix, "saint" as "st", and no
/// spaces, dots, hyphens or apostrophes.
fn county_key(name: &str) -> String {
    let lower = name.to_lowercase().replace(['.', '\'', '’'], "").replace('-', " ");
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    for prefix in [&["city", "and", "borough", "of"][..], &["municipality", "of"], &["county", "of"]] {
        if words.len() > prefix.len() && words.starts_with(prefix) {
            words.drain(..prefix.len());
        }
    }
    for suffix in [
        &["city", "and", "borough"][..],
        &["census", "area"],
        &["borough"],
        &["municipality"],
        &["county"],
        &["parish"],
        &["co"],
    ] {
        if words.len() > suffix.len() && words.ends_with(suffix) {
            words.truncate(words.len() - suffix.len());
            break;
        }
    }
    words.iter().map(|w| if *w == "saint" { "st" } else { w }).collect()
}

struct Counties {
    /// (state code, county key) → zones.
    by_name: HashMap<(&'static str, String), Vec<&'static str>>,
    /// 5-digit FIPS → (state code, zones).
    by_fips: HashMap<u32, (&'static str, Vec<&'static str>)>,
}

fn counties() -> &'static Counties {
    static COUNTIES: OnceLock<Counties> = OnceLock::new();
    COUNTIES.get_or_init(|| parse_counties(COUNTY_ZONES))
}

fn parse_counties(text: &'static str) -> Counties {
    let mut counties = Counties { by_name: HashMap::new(), by_fips: HashMap::new() };
    let mut state: Option<&'static State> = None;
    // Join each group's continuation lines (indented) to its first line.
    let mut groups: Vec<(&'static State, String)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(code) = line.strip_prefix('@') {
            state = Some(find_state(code).expect("county table: unknown state"));
        } else if line.starts_with(' ') {
            let last = groups.last_mut().expect("county table: continuation without a group");
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            groups.push((state.expect("county table: a group before any state"), line.to_string()));
        }
    }
    for (state, group) in groups {
        let (zones, list) = group.split_once(": ").expect("county table: `zones: counties`");
        let zones: Vec<&'static str> = if zones == "*" {
            state.zones.to_vec()
        } else {
            zones
                .split(',')
                .map(|z| *state.zones.iter().find(|s| **s == z).expect("county table: a zone not of its state"))
                .collect()
        };
        for entry in list.split("; ") {
            let (code, names) = entry.split_once(' ').expect("county table: `FIPS name`");
            let fips = u32::from(state.fips) * 1000 + code.parse::<u32>().expect("county table: FIPS");
            assert!(counties.by_fips.insert(fips, (state.code, zones.clone())).is_none(), "duplicate FIPS");
            for name in names.split('/') {
                // A former name may recur under a former FIPS code, with the same zones.
                let previous = counties.by_name.insert((state.code, county_key(name)), zones.clone());
                assert!(previous.is_none_or(|p| p == zones), "county table: two counties of a state with one key");
            }
        }
    }
    counties
}

/// The counties of the states split across zones, with the zones of each: `zones: FIPS name; …`, where
/// `*` means every zone of the state (a county split across zones), and `/` separates a county's names
/// (current and former). County suffixes ("County", "Borough", …) are left out. Indented lines continue
/// the line above. Sources and reasons: docs/time-zones.md.
const COUNTY_ZONES: &str = "
@AL
America/Chicago: 001 Autauga; 003 Baldwin; 005 Barbour; 007 Bibb; 009 Blount; 011 Bullock; 013 Butler;
    015 Calhoun; 019 Cherokee; 021 Chilton; 023 Choctaw; 025 Clarke; 027 Clay; 029 Cleburne; 031 Coffee;
    033 Colbert; 035 Conecuh; 037 Coosa; 039 Covington; 041 Crenshaw; 043 Cullman; 045 Dale; 047 Dallas;
    049 DeKalb; 051 Elmore; 053 Escambia; 055 Etowah; 057 Fayette; 059 Franklin; 061 Geneva; 063 Greene;
    065 Hale; 067 Henry; 069 Houston; 071 Jackson; 073 Jefferson; 075 Lamar; 077 Lauderdale; 079 Lawrence;
    083 Limestone; 085 Lowndes; 087 Macon; 089 Madison; 091 Marengo; 093 Marion; 095 Marshall; 097 Mobile;
    099 Monroe; 101 Montgomery; 103 Morgan; 105 Perry; 107 Pickens; 109 Pike; 111 Randolph; 115 St. Clair;
    117 Shelby; 119 Sumter; 121 Talladega; 123 Tallapoosa; 125 Tuscaloosa; 127 Walker; 129 Washington;
    131 Wilcox; 133 Winston
*: 017 Chambers; 081 Lee; 113 Russell
@AK
America/Anchorage: 020 Anchorage; 060 Bristol Bay; 063 Chugach; 066 Copper River; 068 Denali; 070 Dillingham;
    090 Fairbanks North Star; 122 Kenai Peninsula; 150 Kodiak Island; 164 Lake and Peninsula;
    170 Matanuska-Susitna; 240 Southeast Fairbanks; 261 Valdez-Cordova; 290 Yukon-Koyukuk
*: 016 Aleutians West
America/Anchorage,America/Nome: 013 Aleutians East; 050 Bethel; 158 Kusilvak/Wade Hampton; 180 Nome;
    185 North Slope; 188 Northwest Arctic; 270 Wade Hampton
America/Juneau: 100 Haines; 105 Hoonah-Angoon; 110 Juneau; 230 Skagway; 232 Skagway-Hoonah-Angoon
America/Sitka: 130 Ketchikan Gateway; 195 Petersburg; 220 Sitka; 275 Wrangell; 280 Wrangell-Petersburg
America/Sitka,America/Metlakatla: 198 Prince of Wales-Hyder; 201 Prince of Wales-Outer Ketchikan
America/Yakutat: 282 Yakutat
@AZ
America/Phoenix: 003 Cochise; 007 Gila; 009 Graham; 011 Greenlee; 012 La Paz; 013 Maricopa; 015 Mohave; 019 Pima;
    021 Pinal; 023 Santa Cruz; 025 Yavapai; 027 Yuma
*: 001 Apache; 005 Coconino; 017 Navajo
@FL
America/New_York: 001 Alachua; 003 Baker; 007 Bradford; 009 Brevard; 011 Broward; 015 Charlotte; 017 Citrus;
    019 Clay; 021 Collier; 023 Columbia; 027 DeSoto; 029 Dixie; 031 Duval; 035 Flagler; 037 Franklin;
    039 Gadsden; 041 Gilchrist; 043 Glades; 047 Hamilton; 049 Hardee; 051 Hendry; 053 Hernando; 055 Highlands;
    057 Hillsborough; 061 Indian River; 065 Jefferson; 067 Lafayette; 069 Lake; 071 Lee; 073 Leon; 075 Levy;
    077 Liberty; 079 Madison; 081 Manatee; 083 Marion; 085 Martin; 086 Miami-Dade; 087 Monroe; 089 Nassau;
    093 Okeechobee; 095 Orange; 097 Osceola; 099 Palm Beach; 101 Pasco; 103 Pinellas; 105 Polk; 107 Putnam;
    109 St. Johns; 111 St. Lucie; 115 Sarasota; 117 Seminole; 119 Sumter; 121 Suwannee; 123 Taylor; 125 Union;
    127 Volusia; 129 Wakulla
*: 045 Gulf
America/Chicago: 005 Bay; 013 Calhoun; 033 Escambia; 059 Holmes; 063 Jackson; 091 Okaloosa; 113 Santa Rosa;
    131 Walton; 133 Washington
@ID
America/Boise: 001 Ada; 003 Adams; 005 Bannock; 007 Bear Lake; 011 Bingham; 013 Blaine; 015 Boise;
    019 Bonneville; 023 Butte; 025 Camas; 027 Canyon; 029 Caribou; 031 Cassia; 033 Clark; 037 Custer; 039 Elmore;
    041 Franklin; 043 Fremont; 045 Gem; 047 Gooding; 051 Jefferson; 053 Jerome; 059 Lemhi; 063 Lincoln;
    065 Madison; 067 Minidoka; 071 Oneida; 073 Owyhee; 075 Payette; 077 Power; 081 Teton; 083 Twin Falls;
    085 Valley; 087 Washington
*: 049 Idaho
America/Los_Angeles: 009 Benewah; 017 Bonner; 021 Boundary; 035 Clearwater; 055 Kootenai; 057 Latah; 061 Lewis;
    069 Nez Perce; 079 Shoshone
@IN
America/Indiana/Indianapolis: 001 Adams; 003 Allen; 005 Bartholomew; 007 Benton; 009 Blackford; 011 Boone;
    013 Brown; 015 Carroll; 017 Cass; 021 Clay; 023 Clinton; 031 Decatur; 033 DeKalb; 035 Delaware; 039 Elkhart;
    041 Fayette; 045 Fountain; 047 Franklin; 049 Fulton; 053 Grant; 055 Greene; 057 Hamilton; 059 Hancock;
    063 Hendricks; 065 Henry; 067 Howard; 069 Huntington; 071 Jackson; 075 Jay; 077 Jefferson; 079 Jennings;
    081 Johnson; 085 Kosciusko; 087 LaGrange; 093 Lawrence; 095 Madison; 097 Marion; 099 Marshall; 103 Miami;
    105 Monroe; 107 Montgomery; 109 Morgan; 113 Noble; 117 Orange; 119 Owen; 121 Parke; 133 Putnam; 135 Randolph;
    137 Ripley; 139 Rush; 141 St. Joseph; 143 Scott; 145 Shelby; 151 Steuben; 153 Sullivan; 157 Tippecanoe;
    159 Tipton; 161 Union; 165 Vermillion; 167 Vigo; 169 Wabash; 171 Warren; 175 Washington; 177 Wayne;
    179 Wells; 181 White; 183 Whitley
America/Chicago: 051 Gibson; 073 Jasper; 089 Lake; 091 LaPorte; 111 Newton; 127 Porter; 129 Posey; 147 Spencer;
    163 Vanderburgh; 173 Warrick
America/Indiana/Knox: 149 Starke
America/Indiana/Marengo: 025 Crawford
America/Indiana/Petersburg: 125 Pike
America/Indiana/Tell_City: 123 Perry
America/Indiana/Vevay: 155 Switzerland
America/Indiana/Vincennes: 027 Daviess; 037 Dubois; 083 Knox; 101 Martin
America/Indiana/Winamac: 131 Pulaski
America/Kentucky/Louisville: 019 Clark; 043 Floyd; 061 Harrison
America/New_York: 029 Dearborn; 115 Ohio
@KS
America/Chicago: 001 Allen; 003 Anderson; 005 Atchison; 007 Barber; 009 Barton; 011 Bourbon; 013 Brown;
    015 Butler; 017 Chase; 019 Chautauqua; 021 Cherokee; 023 Cheyenne; 025 Clark; 027 Clay; 029 Cloud;
    031 Coffey; 033 Comanche; 035 Cowley; 037 Crawford; 039 Decatur; 041 Dickinson; 043 Doniphan; 045 Douglas;
    047 Edwards; 049 Elk; 051 Ellis; 053 Ellsworth; 055 Finney; 057 Ford; 059 Franklin; 061 Geary; 063 Gove;
    065 Graham; 067 Grant; 069 Gray; 073 Greenwood; 077 Harper; 079 Harvey; 081 Haskell; 083 Hodgeman;
    085 Jackson; 087 Jefferson; 089 Jewell; 091 Johnson; 093 Kearny; 095 Kingman; 097 Kiowa; 099 Labette;
    101 Lane; 103 Leavenworth; 105 Lincoln; 107 Linn; 109 Logan; 111 Lyon; 113 McPherson; 115 Marion;
    117 Marshall; 119 Meade; 121 Miami; 123 Mitchell; 125 Montgomery; 127 Morris; 129 Morton; 131 Nemaha;
    133 Neosho; 135 Ness; 137 Norton; 139 Osage; 141 Osborne; 143 Ottawa; 145 Pawnee; 147 Phillips;
    149 Pottawatomie; 151 Pratt; 153 Rawlins; 155 Reno; 157 Republic; 159 Rice; 161 Riley; 163 Rooks; 165 Rush;
    167 Russell; 169 Saline; 171 Scott; 173 Sedgwick; 175 Seward; 177 Shawnee; 179 Sheridan; 183 Smith;
    185 Stafford; 187 Stanton; 189 Stevens; 191 Sumner; 193 Thomas; 195 Trego; 197 Wabaunsee; 201 Washington;
    203 Wichita; 205 Wilson; 207 Woodson; 209 Wyandotte
America/Denver: 071 Greeley; 075 Hamilton; 181 Sherman; 199 Wallace
@KY
America/New_York: 005 Anderson; 011 Bath; 013 Bell; 015 Boone; 017 Bourbon; 019 Boyd; 021 Boyle; 023 Bracken;
    025 Breathitt; 029 Bullitt; 037 Campbell; 041 Carroll; 043 Carter; 045 Casey; 049 Clark; 051 Clay;
    063 Elliott; 065 Estill; 067 Fayette; 069 Fleming; 071 Floyd; 073 Franklin; 077 Gallatin; 079 Garrard;
    081 Grant; 089 Greenup; 093 Hardin; 095 Harlan; 097 Harrison; 103 Henry; 109 Jackson; 113 Jessamine;
    115 Johnson; 117 Kenton; 119 Knott; 121 Knox; 123 Larue; 125 Laurel; 127 Lawrence; 129 Lee; 131 Leslie;
    133 Letcher; 135 Lewis; 137 Lincoln; 147 McCreary; 151 Madison; 153 Magoffin; 155 Marion; 159 Martin;
    161 Mason; 163 Meade; 165 Menifee; 167 Mercer; 173 Montgomery; 175 Morgan; 179 Nelson; 181 Nicholas;
    185 Oldham; 187 Owen; 189 Owsley; 191 Pendleton; 193 Perry; 195 Pike; 197 Powell; 199 Pulaski; 201 Robertson;
    203 Rockcastle; 205 Rowan; 209 Scott; 211 Shelby; 215 Spencer; 217 Taylor; 223 Trimble; 229 Washington;
    235 Whitley; 237 Wolfe; 239 Woodford
America/Chicago: 001 Adair; 003 Allen; 007 Ballard; 009 Barren; 027 Breckinridge; 031 Butler; 033 Caldwell;
    035 Calloway; 039 Carlisle; 047 Christian; 053 Clinton; 055 Crittenden; 057 Cumberland; 059 Daviess;
    061 Edmonson; 075 Fulton; 083 Graves; 085 Grayson; 087 Green; 091 Hancock; 099 Hart; 101 Henderson;
    105 Hickman; 107 Hopkins; 139 Livingston; 141 Logan; 143 Lyon; 145 McCracken; 149 McLean; 157 Marshall;
    169 Metcalfe; 171 Monroe; 177 Muhlenberg; 183 Ohio; 207 Russell; 213 Simpson; 219 Todd; 221 Trigg; 225 Union;
    227 Warren; 233 Webster
America/Kentucky/Louisville: 111 Jefferson
America/Kentucky/Monticello: 231 Wayne
@MI
America/Detroit: 001 Alcona; 003 Alger; 005 Allegan; 007 Alpena; 009 Antrim; 011 Arenac; 013 Baraga; 015 Barry;
    017 Bay; 019 Benzie; 021 Berrien; 023 Branch; 025 Calhoun; 027 Cass; 029 Charlevoix; 031 Cheboygan;
    033 Chippewa; 035 Clare; 037 Clinton; 039 Crawford; 041 Delta; 045 Eaton; 047 Emmet; 049 Genesee;
    051 Gladwin; 055 Grand Traverse; 057 Gratiot; 059 Hillsdale; 061 Houghton; 063 Huron; 065 Ingham; 067 Ionia;
    069 Iosco; 073 Isabella; 075 Jackson; 077 Kalamazoo; 079 Kalkaska; 081 Kent; 083 Keweenaw; 085 Lake;
    087 Lapeer; 089 Leelanau; 091 Lenawee; 093 Livingston; 095 Luce; 097 Mackinac; 099 Macomb; 101 Manistee;
    103 Marquette; 105 Mason; 107 Mecosta; 111 Midland; 113 Missaukee; 115 Monroe; 117 Montcalm; 119 Montmorency;
    121 Muskegon; 123 Newaygo; 125 Oakland; 127 Oceana; 129 Ogemaw; 131 Ontonagon; 133 Osceola; 135 Oscoda;
    137 Otsego; 139 Ottawa; 141 Presque Isle; 143 Roscommon; 145 Saginaw; 147 St. Clair; 149 St. Joseph;
    151 Sanilac; 153 Schoolcraft; 155 Shiawassee; 157 Tuscola; 159 Van Buren; 161 Washtenaw; 163 Wayne;
    165 Wexford
America/Menominee: 043 Dickinson; 053 Gogebic; 071 Iron; 109 Menominee
@NE
America/Chicago: 001 Adams; 003 Antelope; 009 Blaine; 011 Boone; 015 Boyd; 017 Brown; 019 Buffalo; 021 Burt;
    023 Butler; 025 Cass; 027 Cedar; 035 Clay; 037 Colfax; 039 Cuming; 041 Custer; 043 Dakota; 047 Dawson;
    051 Dixon; 053 Dodge; 055 Douglas; 059 Fillmore; 061 Franklin; 063 Frontier; 065 Furnas; 067 Gage;
    071 Garfield; 073 Gosper; 077 Greeley; 079 Hall; 081 Hamilton; 083 Harlan; 085 Hayes; 087 Hitchcock;
    089 Holt; 093 Howard; 095 Jefferson; 097 Johnson; 099 Kearney; 103 Keya Paha; 107 Knox; 109 Lancaster;
    111 Lincoln; 113 Logan; 115 Loup; 117 McPherson; 119 Madison; 121 Merrick; 125 Nance; 127 Nemaha;
    129 Nuckolls; 131 Otoe; 133 Pawnee; 137 Phelps; 139 Pierce; 141 Platte; 143 Polk; 145 Red Willow;
    147 Richardson; 149 Rock; 151 Saline; 153 Sarpy; 155 Saunders; 159 Seward; 163 Sherman; 167 Stanton;
    169 Thayer; 171 Thomas; 173 Thurston; 175 Valley; 177 Washington; 179 Wayne; 181 Webster; 183 Wheeler;
    185 York
*: 031 Cherry
America/Denver: 005 Arthur; 007 Banner; 013 Box Butte; 029 Chase; 033 Cheyenne; 045 Dawes; 049 Deuel; 057 Dundy;
    069 Garden; 075 Grant; 091 Hooker; 101 Keith; 105 Kimball; 123 Morrill; 135 Perkins; 157 Scotts Bluff;
    161 Sheridan; 165 Sioux
@NV
America/Los_Angeles: 001 Churchill; 003 Clark; 005 Douglas; 009 Esmeralda; 011 Eureka; 013 Humboldt; 015 Lander;
    017 Lincoln; 019 Lyon; 021 Mineral; 023 Nye; 027 Pershing; 029 Storey; 031 Washoe; 033 White Pine;
    510 Carson City
*: 007 Elko
@ND
America/Chicago: 003 Barnes; 005 Benson; 009 Bottineau; 013 Burke; 015 Burleigh; 017 Cass; 019 Cavalier;
    021 Dickey; 023 Divide; 027 Eddy; 029 Emmons; 031 Foster; 035 Grand Forks; 039 Griggs; 043 Kidder;
    045 LaMoure; 047 Logan; 049 McHenry; 051 McIntosh; 055 McLean; 061 Mountrail; 063 Nelson; 067 Pembina;
    069 Pierce; 071 Ramsey; 073 Ransom; 075 Renville; 077 Richland; 079 Rolette; 081 Sargent; 083 Sheridan;
    091 Steele; 093 Stutsman; 095 Towner; 097 Traill; 099 Walsh; 101 Ward; 103 Wells; 105 Williams
*: 053 McKenzie; 085 Sioux
America/Chicago,America/North_Dakota/New_Salem: 059 Morton
America/Denver: 001 Adams; 007 Billings; 011 Bowman; 025 Dunn; 033 Golden Valley; 037 Grant; 041 Hettinger;
    087 Slope; 089 Stark
America/North_Dakota/Beulah: 057 Mercer
America/North_Dakota/Center: 065 Oliver
@OR
America/Los_Angeles: 001 Baker; 003 Benton; 005 Clackamas; 007 Clatsop; 009 Columbia; 011 Coos; 013 Crook;
    015 Curry; 017 Deschutes; 019 Douglas; 021 Gilliam; 023 Grant; 025 Harney; 027 Hood River; 029 Jackson;
    031 Jefferson; 033 Josephine; 035 Klamath; 037 Lake; 039 Lane; 041 Lincoln; 043 Linn; 047 Marion; 049 Morrow;
    051 Multnomah; 053 Polk; 055 Sherman; 057 Tillamook; 059 Umatilla; 061 Union; 063 Wallowa; 065 Wasco;
    067 Washington; 069 Wheeler; 071 Yamhill
America/Boise: 045 Malheur
@SD
America/Chicago: 003 Aurora; 005 Beadle; 009 Bon Homme; 011 Brookings; 013 Brown; 015 Brule; 017 Buffalo;
    021 Campbell; 023 Charles Mix; 025 Clark; 027 Clay; 029 Codington; 035 Davison; 037 Day; 039 Deuel;
    043 Douglas; 045 Edmunds; 049 Faulk; 051 Grant; 053 Gregory; 057 Hamlin; 059 Hand; 061 Hanson; 065 Hughes;
    067 Hutchinson; 069 Hyde; 073 Jerauld; 075 Jones; 077 Kingsbury; 079 Lake; 083 Lincoln; 085 Lyman;
    087 McCook; 089 McPherson; 091 Marshall; 095 Mellette; 097 Miner; 099 Minnehaha; 101 Moody; 107 Potter;
    109 Roberts; 111 Sanborn; 115 Spink; 119 Sully; 121 Todd; 123 Tripp; 125 Turner; 127 Union; 129 Walworth;
    135 Yankton
*: 117 Stanley
America/Denver: 007 Bennett; 019 Butte; 031 Corson; 033 Custer; 041 Dewey; 047 Fall River; 055 Haakon;
    063 Harding; 071 Jackson; 081 Lawrence; 093 Meade; 102 Shannon/Oglala Lakota; 103 Pennington; 105 Perkins;
    113 Shannon; 137 Ziebach
@TN
America/Chicago: 003 Bedford; 005 Benton; 007 Bledsoe; 015 Cannon; 017 Carroll; 021 Cheatham; 023 Chester;
    027 Clay; 031 Coffee; 033 Crockett; 035 Cumberland; 037 Davidson; 039 Decatur; 041 DeKalb; 043 Dickson;
    045 Dyer; 047 Fayette; 049 Fentress; 051 Franklin; 053 Gibson; 055 Giles; 061 Grundy; 069 Hardeman;
    071 Hardin; 075 Haywood; 077 Henderson; 079 Henry; 081 Hickman; 083 Houston; 085 Humphreys; 087 Jackson;
    095 Lake; 097 Lauderdale; 099 Lawrence; 101 Lewis; 103 Lincoln; 109 McNairy; 111 Macon; 113 Madison;
    115 Marion; 117 Marshall; 119 Maury; 125 Montgomery; 127 Moore; 131 Obion; 133 Overton; 135 Perry;
    137 Pickett; 141 Putnam; 147 Robertson; 149 Rutherford; 153 Sequatchie; 157 Shelby; 159 Smith; 161 Stewart;
    165 Sumner; 167 Tipton; 169 Trousdale; 175 Van Buren; 177 Warren; 181 Wayne; 183 Weakley; 185 White;
    187 Williamson; 189 Wilson
America/New_York: 001 Anderson; 009 Blount; 011 Bradley; 013 Campbell; 019 Carter; 025 Claiborne; 029 Cocke;
    057 Grainger; 059 Greene; 063 Hamblen; 065 Hamilton; 067 Hancock; 073 Hawkins; 089 Jefferson; 091 Johnson;
    093 Knox; 105 Loudon; 107 McMinn; 121 Meigs; 123 Monroe; 129 Morgan; 139 Polk; 143 Rhea; 145 Roane;
    151 Scott; 155 Sevier; 163 Sullivan; 171 Unicoi; 173 Union; 179 Washington
@TX
America/Chicago: 001 Anderson; 003 Andrews; 005 Angelina; 007 Aransas; 009 Archer; 011 Armstrong; 013 Atascosa;
    015 Austin; 017 Bailey; 019 Bandera; 021 Bastrop; 023 Baylor; 025 Bee; 027 Bell; 029 Bexar; 031 Blanco;
    033 Borden; 035 Bosque; 037 Bowie; 039 Brazoria; 041 Brazos; 043 Brewster; 045 Briscoe; 047 Brooks;
    049 Brown; 051 Burleson; 053 Burnet; 055 Caldwell; 057 Calhoun; 059 Callahan; 061 Cameron; 063 Camp;
    065 Carson; 067 Cass; 069 Castro; 071 Chambers; 073 Cherokee; 075 Childress; 077 Clay; 079 Cochran; 081 Coke;
    083 Coleman; 085 Collin; 087 Collingsworth; 089 Colorado; 091 Comal; 093 Comanche; 095 Concho; 097 Cooke;
    099 Coryell; 101 Cottle; 103 Crane; 105 Crockett; 107 Crosby; 109 Culberson; 111 Dallam; 113 Dallas;
    115 Dawson; 117 Deaf Smith; 119 Delta; 121 Denton; 123 DeWitt; 125 Dickens; 127 Dimmit; 129 Donley;
    131 Duval; 133 Eastland; 135 Ector; 137 Edwards; 139 Ellis; 143 Erath; 145 Falls; 147 Fannin; 149 Fayette;
    151 Fisher; 153 Floyd; 155 Foard; 157 Fort Bend; 159 Franklin; 161 Freestone; 163 Frio; 165 Gaines;
    167 Galveston; 169 Garza; 171 Gillespie; 173 Glasscock; 175 Goliad; 177 Gonzales; 179 Gray; 181 Grayson;
    183 Gregg; 185 Grimes; 187 Guadalupe; 189 Hale; 191 Hall; 193 Hamilton; 195 Hansford; 197 Hardeman;
    199 Hardin; 201 Harris; 203 Harrison; 205 Hartley; 207 Haskell; 209 Hays; 211 Hemphill; 213 Henderson;
    215 Hidalgo; 217 Hill; 219 Hockley; 221 Hood; 223 Hopkins; 225 Houston; 227 Howard; 231 Hunt; 233 Hutchinson;
    235 Irion; 237 Jack; 239 Jackson; 241 Jasper; 243 Jeff Davis; 245 Jefferson; 247 Jim Hogg; 249 Jim Wells;
    251 Johnson; 253 Jones; 255 Karnes; 257 Kaufman; 259 Kendall; 261 Kenedy; 263 Kent; 265 Kerr; 267 Kimble;
    269 King; 271 Kinney; 273 Kleberg; 275 Knox; 277 Lamar; 279 Lamb; 281 Lampasas; 283 La Salle; 285 Lavaca;
    287 Lee; 289 Leon; 291 Liberty; 293 Limestone; 295 Lipscomb; 297 Live Oak; 299 Llano; 301 Loving;
    303 Lubbock; 305 Lynn; 307 McCulloch; 309 McLennan; 311 McMullen; 313 Madison; 315 Marion; 317 Martin;
    319 Mason; 321 Matagorda; 323 Maverick; 325 Medina; 327 Menard; 329 Midland; 331 Milam; 333 Mills;
    335 Mitchell; 337 Montague; 339 Montgomery; 341 Moore; 343 Morris; 345 Motley; 347 Nacogdoches; 349 Navarro;
    351 Newton; 353 Nolan; 355 Nueces; 357 Ochiltree; 359 Oldham; 361 Orange; 363 Palo Pinto; 365 Panola;
    367 Parker; 369 Parmer; 371 Pecos; 373 Polk; 375 Potter; 377 Presidio; 379 Rains; 381 Randall; 383 Reagan;
    385 Real; 387 Red River; 389 Reeves; 391 Refugio; 393 Roberts; 395 Robertson; 397 Rockwall; 399 Runnels;
    401 Rusk; 403 Sabine; 405 San Augustine; 407 San Jacinto; 409 San Patricio; 411 San Saba; 413 Schleicher;
    415 Scurry; 417 Shackelford; 419 Shelby; 421 Sherman; 423 Smith; 425 Somervell; 427 Starr; 429 Stephens;
    431 Sterling; 433 Stonewall; 435 Sutton; 437 Swisher; 439 Tarrant; 441 Taylor; 443 Terrell; 445 Terry;
    447 Throckmorton; 449 Titus; 451 Tom Green; 453 Travis; 455 Trinity; 457 Tyler; 459 Upshur; 461 Upton;
    463 Uvalde; 465 Val Verde; 467 Van Zandt; 469 Victoria; 471 Walker; 473 Waller; 475 Ward; 477 Washington;
    479 Webb; 481 Wharton; 483 Wheeler; 485 Wichita; 487 Wilbarger; 489 Willacy; 491 Williamson; 493 Wilson;
    495 Winkler; 497 Wise; 499 Wood; 501 Yoakum; 503 Young; 505 Zapata; 507 Zavala
America/Denver: 141 El Paso; 229 Hudspeth
";

#[cfg(test)]
mod tests {
    use super::*;

    fn zones(state: &str, county: Option<&str>) -> Vec<&'static str> {
        zones_for_address(state, county)
    }

    #[test]
    fn single_zone_states_and_territories() {
        for (state, zone) in [
            ("NC", NEW_YORK),
            ("nc", NEW_YORK),
            ("North Carolina", NEW_YORK),
            (" georgia ", NEW_YORK),
            ("DC", NEW_YORK),
            ("IL", CHICAGO),
            ("OK", CHICAGO),
            ("CO", DENVER),
            ("UT", DENVER),
            ("CA", LOS_ANGELES),
            ("WA", LOS_ANGELES),
            ("HI", HONOLULU),
            ("PR", PUERTO_RICO),
            ("VI", ST_THOMAS),
            ("GU", GUAM),
            ("MP", SAIPAN),
            ("AS", PAGO_PAGO),
        ] {
            assert_eq!(zones(state, None), [zone], "{state}");
            assert_eq!(zones(state, Some("Anything County")), [zone], "{state}: the county does not matter");
        }
    }

    #[test]
    fn unknown_state_gives_every_us_zone() {
        for state in ["", "XX", "Ontario", "AE", "Carolina"] {
            assert_eq!(zones(state, Some("Wake")), ALL_US_ZONES, "{state:?}");
        }
        for zone in [NEW_YORK, CHICAGO, DENVER, PHOENIX, LOS_ANGELES, ANCHORAGE, ADAK, HONOLULU] {
            assert!(ALL_US_ZONES.contains(&zone));
        }
    }

    /// (state, county, expected zones) for every split state: a county wholly in one zone, a county in
    /// the state's other zone(s), split counties, and the state without a county.
    #[test]
    fn split_states_resolve_by_county() {
        let all = |state: &str| find_state(state).unwrap().zones.to_vec();
        let cases: &[(&str, &str, &[&str])] = &[
            // Florida: the panhandle west of the Apalachicola River is Central; Gulf County is split.
            ("FL", "Escambia", &[CHICAGO]),
            ("FL", "Escambia County", &[CHICAGO]),
            ("FL", "ESCAMBIA COUNTY", &[CHICAGO]),
            ("FL", "12033", &[CHICAGO]),
            ("FL", "Bay", &[CHICAGO]),
            ("FL", "Walton", &[CHICAGO]),
            ("FL", "Jackson", &[CHICAGO]),
            ("FL", "Leon", &[NEW_YORK]),
            ("FL", "Franklin", &[NEW_YORK]),
            ("FL", "Miami-Dade", &[NEW_YORK]),
            ("FL", "Miami Dade County", &[NEW_YORK]),
            ("FL", "St. Johns", &[NEW_YORK]),
            ("FL", "Saint Johns County", &[NEW_YORK]),
            ("FL", "DeSoto", &[NEW_YORK]),
            ("FL", "De Soto", &[NEW_YORK]),
            ("FL", "Gulf", &[NEW_YORK, CHICAGO]),
            // Tennessee: East Tennessee is Eastern.
            ("TN", "Knox", &[NEW_YORK]),
            ("TN", "Hamilton County", &[NEW_YORK]),
            ("TN", "Sullivan", &[NEW_YORK]),
            ("TN", "Davidson", &[CHICAGO]),
            ("TN", "Shelby", &[CHICAGO]),
            ("TN", "Marion", &[CHICAGO]),
            ("TN", "Cumberland", &[CHICAGO]),
            // Kentucky: the west is Central; Louisville and Wayne County have their own IANA zones.
            ("KY", "Jefferson", &["America/Kentucky/Louisville"]),
            ("KY", "Wayne", &["America/Kentucky/Monticello"]),
            ("KY", "Fayette", &[NEW_YORK]),
            ("KY", "Warren", &[CHICAGO]),
            ("KY", "McCracken", &[CHICAGO]),
            ("KY", "Mc Cracken", &[CHICAGO]),
            // Indiana: its counties use eleven IANA zones.
            ("IN", "Marion", &["America/Indiana/Indianapolis"]),
            ("IN", "St. Joseph", &["America/Indiana/Indianapolis"]),
            ("IN", "Saint Joseph County", &["America/Indiana/Indianapolis"]),
            ("IN", "Lake", &[CHICAGO]),
            ("IN", "LaPorte", &[CHICAGO]),
            ("IN", "La Porte County", &[CHICAGO]),
            ("IN", "Vanderburgh", &[CHICAGO]),
            ("IN", "Starke", &["America/Indiana/Knox"]),
            ("IN", "Perry", &["America/Indiana/Tell_City"]),
            ("IN", "Pulaski", &["America/Indiana/Winamac"]),
            ("IN", "Knox", &["America/Indiana/Vincennes"]),
            ("IN", "Daviess", &["America/Indiana/Vincennes"]),
            ("IN", "Pike", &["America/Indiana/Petersburg"]),
            ("IN", "Crawford", &["America/Indiana/Marengo"]),
            ("IN", "Switzerland", &["America/Indiana/Vevay"]),
            ("IN", "Dearborn", &[NEW_YORK]),
            ("IN", "Clark", &["America/Kentucky/Louisville"]),
            ("IN", "18097", &["America/Indiana/Indianapolis"]),
            // Michigan: four Upper Peninsula counties on the Wisconsin border are Central.
            ("MI", "Gogebic", &["America/Menominee"]),
            ("MI", "Iron", &["America/Menominee"]),
            ("MI", "Dickinson", &["America/Menominee"]),
            ("MI", "Menominee", &["America/Menominee"]),
            ("MI", "Wayne", &["America/Detroit"]),
            ("MI", "Marquette", &["America/Detroit"]),
            // North Dakota: the southwest is Mountain; three counties moved to Central have own zones.
            ("ND", "Stark", &[DENVER]),
            ("ND", "Bowman", &[DENVER]),
            ("ND", "Cass", &[CHICAGO]),
            ("ND", "Burleigh", &[CHICAGO]),
            ("ND", "Oliver", &["America/North_Dakota/Center"]),
            ("ND", "Mercer", &["America/North_Dakota/Beulah"]),
            ("ND", "Morton", &[CHICAGO, "America/North_Dakota/New_Salem"]),
            ("ND", "McKenzie", &all("ND")),
            ("ND", "Sioux", &all("ND")),
            // South Dakota: west river is Mountain; Stanley County is split at Fort Pierre.
            ("SD", "Pennington", &[DENVER]),
            ("SD", "Oglala Lakota", &[DENVER]),
            ("SD", "Shannon", &[DENVER]),
            ("SD", "46113", &[DENVER]),
            ("SD", "46102", &[DENVER]),
            ("SD", "Minnehaha", &[CHICAGO]),
            ("SD", "Hughes", &[CHICAGO]),
            ("SD", "Jones", &[CHICAGO]),
            ("SD", "Stanley", &[CHICAGO, DENVER]),
            // Nebraska: the panhandle and southwest are Mountain; Cherry County is split.
            ("NE", "Scotts Bluff", &[DENVER]),
            ("NE", "Keith", &[DENVER]),
            ("NE", "Douglas", &[CHICAGO]),
            ("NE", "Lincoln", &[CHICAGO]),
            ("NE", "Cherry", &[CHICAGO, DENVER]),
            // Kansas: four western counties are Mountain.
            ("KS", "Sherman", &[DENVER]),
            ("KS", "Wallace", &[DENVER]),
            ("KS", "Greeley", &[DENVER]),
            ("KS", "Hamilton", &[DENVER]),
            ("KS", "Sedgwick", &[CHICAGO]),
            // Texas: El Paso and Hudspeth are Mountain.
            ("TX", "El Paso", &[DENVER]),
            ("TX", "Hudspeth", &[DENVER]),
            ("TX", "48141", &[DENVER]),
            ("TX", "Culberson", &[CHICAGO]),
            ("TX", "Harris", &[CHICAGO]),
            // Oregon: Malheur County is Mountain.
            ("OR", "Malheur", &["America/Boise"]),
            ("OR", "Multnomah", &[LOS_ANGELES]),
            // Idaho: the north is Pacific; Idaho County is split at the Salmon River.
            ("ID", "Kootenai", &[LOS_ANGELES]),
            ("ID", "Nez Perce", &[LOS_ANGELES]),
            ("ID", "Latah", &[LOS_ANGELES]),
            ("ID", "Ada", &["America/Boise"]),
            ("ID", "Idaho", &["America/Boise", LOS_ANGELES]),
            // Alaska: Aleutians West holds both Adak (Hawaii-Aleutian) and Unalaska (Alaska time).
            ("AK", "Aleutians West", &all("AK")),
            ("AK", "Aleutians West Census Area", &all("AK")),
            ("AK", "Anchorage", &[ANCHORAGE]),
            ("AK", "Municipality of Anchorage", &[ANCHORAGE]),
            ("AK", "Juneau", &["America/Juneau"]),
            ("AK", "City and Borough of Juneau", &["America/Juneau"]),
            ("AK", "Juneau City and Borough", &["America/Juneau"]),
            ("AK", "Sitka", &["America/Sitka"]),
            ("AK", "Yakutat", &["America/Yakutat"]),
            ("AK", "Nome Census Area", &[ANCHORAGE, "America/Nome"]),
            ("AK", "Kusilvak", &[ANCHORAGE, "America/Nome"]),
            ("AK", "Wade Hampton", &[ANCHORAGE, "America/Nome"]),
            ("AK", "Fairbanks North Star Borough", &[ANCHORAGE]),
            // Arizona: no daylight saving time, except the Navajo Nation.
            ("AZ", "Maricopa", &[PHOENIX]),
            ("AZ", "Pima", &[PHOENIX]),
            ("AZ", "Apache", &[PHOENIX, DENVER]),
            ("AZ", "Navajo", &[PHOENIX, DENVER]),
            ("AZ", "Coconino", &[PHOENIX, DENVER]),
            // Nevada: West Wendover (Elko County) is Mountain.
            ("NV", "Clark", &[LOS_ANGELES]),
            ("NV", "Washoe", &[LOS_ANGELES]),
            ("NV", "Elko", &[LOS_ANGELES, DENVER]),
            // Alabama: Phenix City, Lanett, Valley and Smiths Station keep Eastern time in practice.
            ("AL", "Jefferson", &[CHICAGO]),
            ("AL", "Russell", &[CHICAGO, NEW_YORK]),
            ("AL", "Lee", &[CHICAGO, NEW_YORK]),
            ("AL", "Chambers", &[CHICAGO, NEW_YORK]),
        ];
        for (state, county, expected) in cases {
            assert_eq!(zones(state, Some(county)), *expected, "{state} {county}");
        }
    }

    #[test]
    fn unknown_or_missing_county_gives_every_zone_of_the_state() {
        for state in STATES.iter().filter(|s| s.zones.len() > 1) {
            for county in [None, Some(""), Some("  "), Some("Nowhere County"), Some("County"), Some("99999")] {
                assert_eq!(zones(state.code, county), state.zones, "{} {county:?}", state.code);
            }
        }
        // A FIPS code of a county in another state is not trusted.
        assert_eq!(zones("FL", Some("48141")), [NEW_YORK, CHICAGO]);
        assert_eq!(zones("IN", None).len(), 11);
    }

    #[test]
    fn the_county_table_is_consistent() {
        let counties = counties();
        for state in STATES.iter().filter(|s| s.zones.len() > 1) {
            let mut used = std::collections::BTreeSet::new();
            let mut count = 0;
            for (fips, (code, zones)) in &counties.by_fips {
                if *code == state.code {
                    assert_eq!(fips / 1000, u32::from(state.fips));
                    assert!(!zones.is_empty() && zones.iter().all(|z| state.zones.contains(z)));
                    used.extend(zones.iter().copied());
                    count += 1;
                }
            }
            assert!(count > 0, "{}: a split state needs its counties", state.code);
            assert_eq!(used.len(), state.zones.len(), "{}: every zone of the state is some county's", state.code);
        }
        let count = |code: &str| counties.by_fips.values().filter(|(c, _)| *c == code).count();
        // Current counties (Census 2020), plus former FIPS codes still accepted: SD 46113 (Shannon).
        for (code, n) in [
            ("AL", 67),
            ("AZ", 15),
            ("FL", 67),
            ("ID", 44),
            ("IN", 92),
            ("KS", 105),
            ("KY", 120),
            ("MI", 83),
            ("NE", 93),
            ("NV", 17),
            ("ND", 53),
            ("OR", 36),
            ("SD", 67),
            ("TN", 95),
            ("TX", 254),
        ] {
            assert_eq!(count(code), n, "{code}");
        }
    }

    #[test]
    fn county_keys() {
        assert_eq!(county_key("St. Joseph County"), "stjoseph");
        assert_eq!(county_key("Saint  Joseph"), "stjoseph");
        assert_eq!(county_key("LaPorte"), county_key("La Porte County"));
        assert_eq!(county_key("Prince of Wales-Hyder Census Area"), "princeofwaleshyder");
        assert_eq!(county_key("City and Borough of Juneau"), "juneau");
        assert_eq!(county_key("Lake Co."), "lake");
        assert_eq!(county_key("O'Brien"), "obrien");
        assert_eq!(county_key("County"), "county");
    }

    #[test]
    fn every_zone_is_a_real_iana_zone() {
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        let mut all: Vec<&str> = ALL_US_ZONES.to_vec();
        for state in STATES {
            all.extend(zones_for_address(state.code, None));
        }
        for (_, zones) in counties().by_fips.values() {
            all.extend(zones.iter().copied());
        }
        all.sort_unstable();
        all.dedup();
        for zone in all {
            assert!(jiff::tz::TimeZone::get(zone).is_ok(), "{zone}: not in the tz database");
            assert!(bundled.get(zone).is_ok(), "{zone}: not in jiff's bundled tz database");
        }
    }
}
