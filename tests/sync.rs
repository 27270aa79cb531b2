//! `ptudesk sync` as a user runs it, against a fake `az` (tests/data/sync/fake-az)
//! first on PATH that answers each command line with fixture JSON and can be
//! told to refuse, fail, hang or answer garbage.

#![cfg(unix)]

mod common;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIRST: &str = "2026-11-28T06:00:00Z";
const SECOND: &str = "2026-12-05T00:00:00Z";
const A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const B: &str = "bbbbbbbb-0000-4000-8000-000000000002";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sync")
        .join(name)
}

/// A temporary folder with the fake az on PATH, a store and a command log.
struct Fake {
    dir: tempfile::TempDir,
    bin: PathBuf,
    db: PathBuf,
    log: PathBuf,
}

fn fake() -> Fake {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let az = bin.join("az");
    std::fs::copy(data("fake-az"), &az).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("store.db");
    let log = dir.path().join("az.log");
    Fake { dir, bin, db, log }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Fake {
    /// `ptudesk sync ARGS` with the fake az answering from `dirs` (first match wins).
    fn sync(&self, dirs: &[&str], env: &[(&str, &str)], args: &[&str]) -> Output {
        let dirs: Vec<String> = dirs.iter().map(|d| data(d).display().to_string()).collect();
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        common::ptudesk()
            .arg("sync")
            .args(args)
            .env("PATH", path)
            .env("PTUDESK_DB", &self.db)
            .env("AZ_FAKE_DIRS", dirs.join(":"))
            .env("AZ_FAKE_LOG", &self.log)
            .envs(env.iter().copied())
            .output()
            .expect("runs")
    }

    fn sync_ok(&self, dirs: &[&str], args: &[&str]) -> String {
        let o = self.sync(dirs, &[], args);
        assert!(
            o.status.success(),
            "sync {args:?} failed: {}",
            text(&o.stderr)
        );
        text(&o.stdout)
    }

    fn ptudesk(&self, args: &[&str]) -> Output {
        common::ptudesk()
            .args(args)
            .env("PTUDESK_DB", &self.db)
            .output()
            .expect("runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.ptudesk(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    }

    fn export(&self) -> Value {
        serde_json::from_str(&self.ok(&["export"])).unwrap()
    }

    /// The az command lines run since the last call.
    fn commands(&self) -> Vec<String> {
        let s = std::fs::read_to_string(&self.log).unwrap_or_default();
        let _ = std::fs::remove_file(&self.log);
        s.lines().map(str::to_string).collect()
    }
}

/// The object in `list` whose id ends with `/name`.
fn find<'v>(e: &'v Value, list: &str, name: &str) -> &'v Value {
    e[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"].as_str().unwrap().ends_with(&format!("/{name}")))
        .unwrap_or_else(|| panic!("no {name} in {list}: {}", e[list]))
}

fn names(e: &Value, list: &str) -> Vec<String> {
    let mut v: Vec<String> = e[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["id"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

/// A sync's summary where the estate stayed as it was and only the service
/// capacity was read again (re-dated: `changed` counts the rows).
fn only_capacity_redated(out: &str, rows: usize) {
    let kinds = [
        "billing accounts",
        "quotas",
        "resources",
        "deployments",
        "commitments",
        "reservations",
    ];
    for line in out.lines() {
        let line = line.trim_start();
        if kinds.iter().any(|k| line.starts_with(k)) {
            assert!(
                line.contains("add 0, ") && line.contains("change 0, ")
                    || line.contains("added 0, changed 0"),
                "{line:?} in:\n{out}"
            );
        }
    }
    let capacity = format!("change {rows}, unchanged 0");
    let capacity_done = format!("added 0, changed {rows}, unchanged 0");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("model capacities")
                && (l.contains(&capacity) || l.contains(&capacity_done))),
        "{out}"
    );
}

/// A snapshot without its service capacity (which each sync dates anew).
fn estate_only(export: &str) -> Value {
    let mut v: Value = serde_json::from_str(export).unwrap();
    v.as_object_mut().unwrap().remove("model_capacities");
    v
}

fn first_sync(f: &Fake) {
    f.sync_ok(&["first"], &["--now", FIRST]);
    f.commands();
}

const O1: &str = "c0de0001-0000-4000-8000-000000000001";
const O2: &str = "c0de0002-0000-4000-8000-000000000002";
/// The reservation orders through `az rest`, and their second page.
const ORDERS: &str = "/providers/Microsoft.Capacity/reservationOrders?api-version=2022-11-01";
const ORDERS_PAGE2: &str = "https://management.azure.com/providers/Microsoft.Capacity/reservationOrders?api-version=2022-11-01&$skiptoken=2";

const SECOND_LOG: &[&str] = &["second", "log", "first"];
/// No activity log, and a reservation record without lastUpdatedDateTime.
const SECOND_NO_LOG: &[&str] = &["undated", "second", "first"];

#[test]
fn a_first_sync_imports_every_enabled_subscription_in_one_change() {
    let f = fake();
    let o = f.sync(&["first"], &[], &["--now", FIRST]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for line in [
        "Synced 2 subscription(s) (contoso-prod (aaaaaaaa), contoso-dev (bbbbbbbb))",
        "(change #1)",
        // speech-eu is a SpeechServices account: skipped with the reason.
        "resources          added 2, changed 0, unchanged 0",
        "1 x kind SpeechServices does not host Azure OpenAI deployments",
        "deployments        added 3, changed 0, unchanged 0",
        "commitments        added 2, changed 0, unchanged 0",
        "reservations       added 1, changed 0, unchanged 0",
        "quotas             added 5, changed 0, unchanged 0",
        "1 x SKU Standard is not provisioned throughput (e.g. deployment embed on aoai-east)",
        "reservation VM_RI_build_agents",
        "shared commitment plan stt-plan",
        "subscription old-sandbox (cccccccc) skipped: its state is Disabled",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let progress = text(&o.stderr);
    for step in [
        "contoso-prod (aaaaaaaa): deployments of aoai-east",
        "contoso-dev (bbbbbbbb): accounts of shared plan dev-plan",
        "contoso-dev (bbbbbbbb): quota in westus3",
        "reservations: orders",
    ] {
        assert!(progress.contains(step), "missing {step:?} in:\n{progress}");
    }

    // Exactly these commands, in this order: the README lists them.
    let page2 = format!(
        "'https://management.azure.com/subscriptions/{B}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version=2025-06-01&$skipToken=page2'"
    );
    let expected = vec![
        "az account list --output json".to_string(),
        format!("az cognitiveservices account list --subscription {A} --output json"),
        format!(
            "az cognitiveservices account deployment list --name aoai-east --resource-group RG-ML --subscription {A} --output json"
        ),
        format!(
            "az cognitiveservices account commitment-plan list --name aoai-east --resource-group RG-ML --subscription {A} --output json"
        ),
        format!(
            "az rest --method get --url /subscriptions/{A}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version=2025-06-01 --output json"
        ),
        format!(
            "az cognitiveservices usage list --location eastus2 --subscription {A} --output json"
        ),
        // Service capacity, per model and version deployed (sorted).
        format!(
            "az rest --method get --url /subscriptions/{A}/providers/Microsoft.CognitiveServices/modelCapacities?api-version=2024-10-01&modelFormat=OpenAI&modelName=gpt-4.1&modelVersion=2025-04-14 --output json"
        ),
        format!(
            "az rest --method get --url /subscriptions/{A}/providers/Microsoft.CognitiveServices/modelCapacities?api-version=2024-10-01&modelFormat=OpenAI&modelName=gpt-4o&modelVersion=2024-08-06 --output json"
        ),
        format!("az cognitiveservices account list --subscription {B} --output json"),
        format!(
            "az cognitiveservices account deployment list --name AOAI-West --resource-group rg-apps --subscription {B} --output json"
        ),
        format!(
            "az cognitiveservices account commitment-plan list --name AOAI-West --resource-group rg-apps --subscription {B} --output json"
        ),
        format!(
            "az rest --method get --url /subscriptions/{B}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version=2025-06-01 --output json"
        ),
        format!(
            "az rest --method get --url {} --output json",
            page2.trim_matches('\'')
        ),
        format!(
            "az rest --method get --url /subscriptions/{B}/resourceGroups/rg-apps/providers/Microsoft.CognitiveServices/commitmentPlans/dev-plan/accountAssociations?api-version=2025-06-01 --output json"
        ),
        format!(
            "az cognitiveservices usage list --location westus3 --subscription {B} --output json"
        ),
        format!(
            "az rest --method get --url /subscriptions/{B}/providers/Microsoft.CognitiveServices/modelCapacities?api-version=2024-10-01&modelFormat=OpenAI&modelName=gpt-4o-mini&modelVersion=2024-07-18 --output json"
        ),
        format!("az rest --method get --url {ORDERS} --output json"),
        format!("az rest --method get --url {ORDERS_PAGE2} --output json"),
        format!(
            "az rest --method get --url /providers/Microsoft.Capacity/reservationOrders/{O1}/reservations?api-version=2022-11-01 --output json"
        ),
        format!(
            "az rest --method get --url /providers/Microsoft.Capacity/reservationOrders/{O2}/reservations?api-version=2022-11-01 --output json"
        ),
    ];
    assert_eq!(f.commands(), expected);

    let e = f.export();
    assert_eq!(names(&e, "resources"), ["aoai-east", "aoai-west"]);
    assert_eq!(names(&e, "deployments"), ["batch", "chat", "global-41"]);
    let chat = find(&e, "deployments", "chat");
    assert_eq!(chat["sku"], "ProvisionedManaged");
    assert_eq!(chat["sizes"].as_array().unwrap().len(), 1);
    assert_eq!(chat["sizes"][0]["ptu"], 300);
    assert!(
        chat["sizes"][0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-10-01T08:15:30.1234567"),
        "created at systemData.createdAt: {chat}"
    );
    assert_eq!(
        find(&e, "deployments", "batch")["sku"],
        "DataZoneProvisionedManaged"
    );
    let plan = find(&e, "commitments", "ptu-plan");
    assert_eq!(plan["ptu"], 300);
    assert_eq!(plan["start"], "2026-11-01T00:00:00Z");
    assert_eq!(plan["renewal"]["mode"], "autorenew");
    let shared = find(&e, "commitments", "dev-plan");
    assert!(
        shared["resource"]
            .as_str()
            .unwrap()
            .ends_with("/accounts/aoai-west")
    );
    assert_eq!(shared["ptu"], 100);
    assert_eq!(shared["renewal"]["mode"], "none");
    let r = &e["reservations"][0];
    assert_eq!(e["reservations"].as_array().unwrap().len(), 1);
    assert_eq!(
        (r["ptu"].as_i64(), r["term"].as_str()),
        (Some(100), Some("P1M"))
    );
    assert_eq!(r["billing"], "monthly");
    assert_eq!(r["scope"]["type"], "subscription");
    assert_eq!(r["scope"]["subscription"], A);
    let quotas: Vec<(String, String, String, i64)> = e["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["subscription"].as_str().unwrap().to_string(),
                q["region"].as_str().unwrap().to_string(),
                q["sku"].as_str().unwrap().to_string(),
                q["limit"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(quotas.len(), 5);
    assert!(quotas.contains(&(A.into(), "eastus2".into(), "ProvisionedManaged".into(), 500)));
    assert!(quotas.contains(&(
        B.into(),
        "westus3".into(),
        "DataZoneProvisionedManaged".into(),
        100
    )));

    let log = f.ok(&["log"]);
    assert!(log.contains("sync     ") || log.contains(" sync "), "{log}");
    assert!(
        log.contains("sync contoso-prod (aaaaaaaa), contoso-dev (bbbbbbbb)"),
        "{log}"
    );

    // The same answers again: the estate stays as it was, the activity log
    // is not asked; only the service capacity is dated anew (7 rows).
    let again = f.sync_ok(&["first"], &["--now", SECOND]);
    only_capacity_redated(&again, 7);
    assert!(!f.commands().iter().any(|c| c.contains("activity-log")));
    assert_eq!(f.ok(&["log"]).lines().count(), 2);
}

#[test]
fn a_second_sync_dates_resizes_deletions_and_flips_from_azures_records() {
    let f = fake();
    first_sync(&f);
    let out = f.sync_ok(SECOND_LOG, &["--now", SECOND]);
    for line in [
        "deployments        added 0, changed 2, unchanged 1",
        "commitments        added 0, changed 1, unchanged 1",
        "reservations       added 0, changed 1, unchanged 0",
        "history:",
        "deployment chat on aoai-east resized 300 -> 400 PTU at 2026-12-03T10:15:02.4711234",
        "deployment global-41 on aoai-east deleted at 2026-12-02T16:40:00Z (from the activity log)",
        "commitment ptu-plan on aoai-east grown by 50 PTU at 2026-12-04T11:00:00Z (from the activity log)",
        "commitment ptu-plan on aoai-east renewal set to don't renew at 2026-12-04T11:00:00Z (from the activity log)",
        "reservation east regional scope changed at 2026-12-04T09:00:00Z (from the reservation's lastUpdatedDateTime)",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let deployments = format!(
        "/subscriptions/{A}/resourcegroups/rg-ml/providers/microsoft.cognitiveservices/accounts/aoai-east"
    );
    let logs: Vec<String> = f
        .commands()
        .into_iter()
        .filter(|c| c.contains("activity-log"))
        .collect();
    assert_eq!(
        logs,
        vec![
            format!(
                "az monitor activity-log list --resource-id {deployments}/commitmentplans/ptu-plan --start-time 2026-11-01T00:00:00Z --end-time 2026-12-05T00:00:00Z --max-events 1000 --subscription {A} --output json"
            ),
            format!(
                "az monitor activity-log list --resource-id {deployments}/deployments/chat --start-time 2026-10-01T08:15:30Z --end-time 2026-12-05T00:00:00Z --max-events 1000 --subscription {A} --output json"
            ),
            format!(
                "az monitor activity-log list --resource-id {deployments}/deployments/global-41 --start-time 2026-11-02T00:00:00Z --end-time 2026-12-05T00:00:00Z --max-events 1000 --subscription {A} --output json"
            ),
        ]
    );

    let e = f.export();
    let chat = find(&e, "deployments", "chat");
    let resize = &chat["sizes"][1];
    assert_eq!(resize["ptu"], 400);
    assert!(
        resize["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-03T10:15:02.4711234"),
        "the latest successful write: {chat}"
    );
    assert!(resize.get("approximate").is_none(), "{chat}");
    let gone = find(&e, "deployments", "global-41");
    assert_eq!(gone["deleted"], "2026-12-02T16:40:00Z");
    assert!(gone.get("deleted_approximate").is_none(), "{gone}");
    assert!(find(&e, "deployments", "batch")["deleted"].is_null());
    let plan = find(&e, "commitments", "ptu-plan");
    assert_eq!(plan["renewal_changes"][0]["at"], "2026-12-04T11:00:00Z");
    assert_eq!(plan["renewal_changes"][0]["renewal"]["mode"], "none");
    assert_eq!(plan["additions"][0]["at"], "2026-12-04T11:00:00Z");
    let r = &e["reservations"][0];
    assert_eq!(r["scope_changes"][0]["at"], "2026-12-04T09:00:00Z");
    assert_eq!(r["scope_changes"][0]["scope"]["type"], "shared");
    // Dated from Azure's records: no approximate flag anywhere.
    assert!(
        !f.ok(&["export"]).contains("approximate"),
        "{}",
        f.ok(&["export"])
    );

    let diff = f.ok(&["diff", "--since", "last-sync"]);
    for line in [
        // Five changes to the estate, four capacity rows read again.
        "Changes since the last sync (#2 at 2026-12-05T00:00:00Z) (9):",
        "model capacity eastus2|ProvisionedManaged|gpt-4o|2024-08-06: 200 PTU available as of 2026-11-28T06:00:00Z -> 0 PTU available as of 2026-12-05T00:00:00Z",
        "deployments/chat resized 300 -> 400 PTU at 2026-12-03T10:15:02.4711234",
        "deployments/global-41 deleted at 2026-12-02T16:40:00Z",
        "+50 PTU added at 2026-12-04T11:00:00Z",
        "renewal flipped autorenew -> don't renew at 2026-12-04T11:00:00Z",
        "scope changed",
    ] {
        assert!(diff.contains(line), "missing {line:?} in:\n{diff}");
    }
    assert!(!diff.contains("approximate"), "{diff}");
}

#[test]
fn without_activity_log_entries_changes_are_dated_at_the_sync_time_as_approximate() {
    let f = fake();
    first_sync(&f);
    let out = f.sync_ok(SECOND_NO_LOG, &["--now", SECOND]);
    for what in [
        "deployment chat on aoai-east resized 300 -> 400 PTU",
        "deployment global-41 on aoai-east deleted",
        "commitment ptu-plan on aoai-east grown by 50 PTU",
        "commitment ptu-plan on aoai-east renewal set to don't renew",
        "reservation east regional scope changed",
        "reservation east regional renewal setting changed",
    ] {
        let line = format!(
            "{what} at 2026-12-05T00:00:00Z (the sync time, approximate: Azure recorded no time for it)"
        );
        assert!(out.contains(&line), "missing {line:?} in:\n{out}");
    }
    // The log was asked, and had nothing.
    assert_eq!(
        f.commands()
            .iter()
            .filter(|c| c.contains("activity-log"))
            .count(),
        3
    );
    let e = f.export();
    let chat = find(&e, "deployments", "chat");
    assert_eq!(chat["sizes"][1]["at"], SECOND);
    assert_eq!(chat["sizes"][1]["approximate"], true);
    let gone = find(&e, "deployments", "global-41");
    assert_eq!(gone["deleted"], SECOND);
    assert_eq!(gone["deleted_approximate"], true);
    let plan = find(&e, "commitments", "ptu-plan");
    assert_eq!(plan["renewal_changes"][0]["at"], SECOND);
    assert_eq!(plan["renewal_changes"][0]["approximate"], true);
    assert_eq!(plan["additions"][0]["at"], SECOND);
    assert_eq!(plan["additions"][0]["approximate"], true);
    let r = &e["reservations"][0];
    assert_eq!(r["scope_changes"][0]["at"], SECOND);
    assert_eq!(r["scope_changes"][0]["approximate"], true);
    assert_eq!(r["renewal_changes"][0]["approximate"], true);

    // diff marks every one of them.
    let diff = f.ok(&["diff", "--since", "last-sync"]);
    let changes: Vec<&str> = diff
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty() && !l.contains("model capacity "))
        .collect();
    assert_eq!(changes.len(), 6, "{diff}");
    for line in &changes {
        assert!(
            line.ends_with("at 2026-12-05T00:00:00Z (time approximate)"),
            "{line:?} in:\n{diff}"
        );
    }
    assert!(
        diff.contains("resized 300 -> 400 PTU at 2026-12-05T00:00:00Z (time approximate)"),
        "{diff}"
    );
    assert!(
        diff.contains("deployments/global-41 deleted at 2026-12-05T00:00:00Z (time approximate)"),
        "{diff}"
    );

    // A cancellation seen later, with no record of when: approximate too.
    let later = "2026-12-06T00:00:00Z";
    let out = f.sync_ok(
        &["cancelled", "undated", "second", "first"],
        &["--now", later],
    );
    assert!(
        out.contains("reservation east regional cancelled at 2026-12-06T00:00:00Z (the sync time, approximate"),
        "{out}"
    );
    let diff = f.ok(&["diff", "--since", "last-sync"]);
    assert!(
        diff.contains(": refunded at 2026-12-06T00:00:00Z (time approximate)"),
        "{diff}"
    );

    // The flags survive a snapshot round trip: export, import elsewhere, export.
    let snapshot = f.dir.path().join("estate.json");
    let exported = f.ok(&["export"]);
    assert_eq!(
        exported.matches("\"approximate\": true").count(),
        5,
        "{exported}"
    );
    assert!(exported.contains("\"deleted_approximate\": true"));
    assert!(exported.contains("\"refunded_approximate\": true"));
    std::fs::write(&snapshot, &exported).unwrap();
    let other = f.dir.path().join("other.db");
    let o = common::ptudesk()
        .args(["import", snapshot.to_str().unwrap(), "--now", later])
        .env("PTUDESK_DB", &other)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = common::ptudesk()
        .arg("export")
        .env("PTUDESK_DB", &other)
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), exported);
}

#[test]
fn a_subscription_without_permission_is_skipped_and_the_others_imported() {
    let f = fake();
    let o = f.sync(&["first"], &[("AZ_FAKE_DENY", B)], &["--now", FIRST]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("Synced 1 subscription(s) (contoso-prod (aaaaaaaa))"),
        "{out}"
    );
    assert!(
        out.contains(
            "subscription contoso-dev (bbbbbbbb) skipped: no permission ((AuthorizationFailed)"
        ),
        "{out}"
    );
    let e = f.export();
    assert_eq!(names(&e, "resources"), ["aoai-east"]);
    assert_eq!(names(&e, "deployments"), ["chat", "global-41"]);
    assert_eq!(names(&e, "commitments"), ["ptu-plan"]);
    assert_eq!(e["reservations"].as_array().unwrap().len(), 1);
    // The refusal came at the first command: nothing else was asked of it.
    assert_eq!(f.commands().iter().filter(|c| c.contains(B)).count(), 1);

    // --quiet: no progress, no summary; the refusal still on stderr.
    let o = f.sync(
        &["first"],
        &[("AZ_FAKE_DENY", B)],
        &["--now", SECOND, "--quiet"],
    );
    assert!(o.status.success());
    assert_eq!(text(&o.stdout), "");
    let err = text(&o.stderr);
    assert!(
        err.starts_with("subscription contoso-dev (bbbbbbbb) skipped: no permission"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // Nothing readable at all: an error, and no store.
    let g = fake();
    let o = g.sync(
        &["first"],
        &[("AZ_FAKE_DENY", &format!("{A} {B}"))],
        &["--now", FIRST],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("error: no subscription could be read"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!g.db.exists());
}

#[test]
fn a_failure_part_way_leaves_the_store_as_it_was() {
    let f = fake();
    first_sync(&f);
    let before = f.ok(&["export"]);
    let log = f.ok(&["log"]);
    let deployments_b = format!(
        "`az cognitiveservices account deployment list --name AOAI-West --resource-group rg-apps --subscription {B} --output json` failed (exit 1): (InternalServerError)"
    );
    let usage_b = format!(
        "error: az cognitiveservices usage list --location westus3 --subscription {B} --output json: not valid JSON"
    );
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "AZ_FAKE_FAIL",
            "deployment list --name AOAI-West",
            deployments_b,
        ),
        ("AZ_FAKE_GARBAGE", "usage list --location westus3", usage_b),
        (
            "AZ_FAKE_FAIL",
            "deployments/global-41",
            "`az monitor activity-log list --resource-id".into(),
        ),
        (
            "AZ_FAKE_GARBAGE",
            "deployments/chat",
            "error: az monitor activity-log list --resource-id".into(),
        ),
        (
            "AZ_FAKE_GARBAGE",
            "reservationOrders?api-version",
            format!(
                "error: the reservations could not be read: `az rest --method get --url '{ORDERS}' --output json`: not valid JSON"
            ),
        ),
    ];
    for (var, what, says) in cases {
        let o = f.sync(SECOND_LOG, &[(var, what)], &["--now", SECOND]);
        assert_eq!(o.status.code(), Some(1), "{var}={what}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&says),
            "{var}={what}: missing {says:?} in:\n{err}"
        );
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(f.ok(&["export"]), before, "{var}={what}");
        assert_eq!(f.ok(&["log"]), log, "{var}={what}");
    }

    // A command that never answers is stopped at --timeout (the fake would
    // answer `[]` after 30 s, and the sync would then succeed).
    let o = f.sync(
        SECOND_LOG,
        &[("AZ_FAKE_HANG", "reservationOrders/c0de0002")],
        &["--now", SECOND, "--timeout", "2s"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("error: the reservations could not be read: `az rest --method get --url '/providers/Microsoft.Capacity/reservationOrders/{O2}/reservations?api-version=2022-11-01' --output json`: it did not answer within 2 s and was stopped (the limit is --timeout, or `timeout` under [sync] in the settings file); nothing was written")),
        "{err}"
    );
    assert_eq!(f.ok(&["export"]), before);
    assert_eq!(f.ok(&["log"]), log);

    // The same answers without the failure do change the store.
    let out = f.sync_ok(SECOND_LOG, &["--now", SECOND]);
    assert!(out.contains("(change #2)"), "{out}");
    assert_ne!(f.ok(&["export"]), before);
}

#[test]
fn az_missing_or_not_logged_in_is_said_plainly() {
    let f = fake();
    let empty = f.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = common::ptudesk()
        .args(["sync", "--now", FIRST])
        .env("PATH", &empty)
        .env("PTUDESK_DB", &f.db)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("error: az (the Azure CLI) is not installed or not on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli), then run `az login`"),
        "{err}"
    );
    assert!(!f.db.exists());

    let o = f.sync(
        &["first"],
        &[("AZ_FAKE_NOT_LOGGED_IN", "1")],
        &["--now", FIRST],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("error: not logged in to Azure: run `az login`"),
        "{err}"
    );
    assert!(!f.db.exists());
    assert_eq!(f.commands(), ["az account list --output json"]);

    // With a store: left as it was.
    first_sync(&f);
    let before = f.ok(&["export"]);
    let o = f.sync(
        SECOND_LOG,
        &[("AZ_FAKE_NOT_LOGGED_IN", "1")],
        &["--now", SECOND],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("run `az login`"));
    assert_eq!(f.ok(&["export"]), before);
}

#[test]
fn dry_run_says_what_would_change_and_writes_nothing() {
    let f = fake();
    let out = f.sync_ok(&["first"], &["--now", FIRST, "--dry-run"]);
    assert!(
        out.starts_with("Dry run: syncing 2 subscription(s)"),
        "{out}"
    );
    assert!(out.contains("nothing was written"), "{out}");
    assert!(
        out.contains("deployments        would add 3, would change 0, unchanged 0"),
        "{out}"
    );
    assert!(!f.db.exists(), "a dry run creates no store");

    first_sync(&f);
    let before = f.ok(&["export"]);
    let log = f.ok(&["log"]);
    let out = f.sync_ok(SECOND_LOG, &["--now", SECOND, "--dry-run"]);
    for line in [
        "deployments        would add 0, would change 2, unchanged 1",
        "history (would be recorded):",
        "deployment global-41 on aoai-east deleted at 2026-12-02T16:40:00Z (from the activity log)",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert_eq!(f.ok(&["export"]), before);
    assert_eq!(f.ok(&["log"]), log);

    let out = f.sync_ok(&["first"], &["--now", SECOND, "--dry-run"]);
    only_capacity_redated(&out, 7);
    assert!(out.contains("nothing was written"), "{out}");
}

#[test]
fn named_subscriptions_only() {
    let f = fake();
    let out = f.sync_ok(
        &["first"],
        &["--now", FIRST, "--subscription", "contoso-dev"],
    );
    assert!(
        out.contains("Synced 1 subscription(s) (contoso-dev (bbbbbbbb))"),
        "{out}"
    );
    assert!(!f.commands().iter().any(|c| c.contains(A)));
    assert_eq!(names(&f.export(), "resources"), ["aoai-west"]);
    assert_eq!(names(&f.export(), "deployments"), ["batch"]);

    // By id too; an unknown one is an error that writes nothing.
    let out = f.sync_ok(&["first"], &["--now", FIRST, "--subscription", A]);
    assert!(
        out.contains("Synced 1 subscription(s) (contoso-prod (aaaaaaaa))"),
        "{out}"
    );
    let before = f.ok(&["export"]);
    let o = f.sync(&["first"], &[], &["--now", FIRST, "--subscription", "nope"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("subscription \"nope\" is not one az can see (az account list shows contoso-prod (aaaaaaaa), contoso-dev (bbbbbbbb), old-sandbox (cccccccc))"),
        "{err}"
    );
    assert_eq!(f.ok(&["export"]), before);
}

#[test]
fn diff_since_last_sync_needs_a_sync() {
    let f = fake();
    let snapshot = f.dir.path().join("estate.json");
    let o = common::ptudesk()
        .args(["export", "--demo", "--now", FIRST])
        .output()
        .unwrap();
    std::fs::write(&snapshot, &o.stdout).unwrap();
    f.ok(&["import", snapshot.to_str().unwrap(), "--now", FIRST]);
    let o = f.ptudesk(&["diff", "--since", "last-sync"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr)
            .contains("the store records no sync that changed anything: run `ptudesk sync` first"),
        "{}",
        text(&o.stderr)
    );
    let o = f.ptudesk(&["diff", "--since", "yesterday"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("or last-sync"),
        "{}",
        text(&o.stderr)
    );
}

const WEST: &str = "/subscriptions/bbbbbbbb-0000-4000-8000-000000000002/resourcegroups/rg-apps/providers/microsoft.cognitiveservices/accounts/aoai-west";

/// Prices for the commitments of the fixtures (no public commitment price
/// exists), so that `forecast` rates the store.
fn import_prices(f: &Fake, now: &str) {
    let prices = f.dir.path().join("prices.json");
    std::fs::write(
        &prices,
        r#"{"schema": "ptudesk.snapshot/1", "currency": "USD", "prices": [
          {"region": "eastus2", "sku": "ProvisionedManaged", "hourly": "2.00", "commitment_month": "1100"},
          {"region": "westus3", "sku": "ProvisionedManaged", "hourly": "2.00", "commitment_month": "1100"}]}"#,
    )
    .unwrap();
    f.ok(&["import", prices.to_str().unwrap(), "--now", now]);
}

/// The forecast's windows whose subject is `subject`: (kind, start, end, ptu_hours, cost).
fn windows_of(f: &Fake, from: &str, to: &str, subject: &str) -> Vec<[String; 5]> {
    let out = f.ok(&["forecast", "--from", from, "--to", to, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["subject"] == subject)
        .map(|w| {
            ["kind", "start", "end", "ptu_hours", "cost"]
                .map(|k| w[k].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn an_account_azure_no_longer_lists_but_soft_deleted_bills_until_its_purge() {
    let f = fake();
    first_sync(&f);
    let out = f.sync_ok(&["softdel", "gone", "first"], &["--now", SECOND]);
    for line in [
        "resources          added 0, changed 1, unchanged 1",
        "account aoai-west deleted at 2026-12-03T08:00:00Z (from az cognitiveservices account list-deleted)",
        "account aoai-west purge scheduled at 2026-12-05T08:00:00Z (from az cognitiveservices account list-deleted)",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert!(!out.contains("note:"), "{out}");
    // Its subscription: the account list, then the deleted accounts; its
    // deployments are not listed, and list-deleted dated it (no log asked).
    let b: Vec<String> = f.commands().into_iter().filter(|c| c.contains(B)).collect();
    assert_eq!(
        b,
        [
            format!("az cognitiveservices account list --subscription {B} --output json"),
            format!("az cognitiveservices account list-deleted --subscription {B} --output json"),
        ]
    );
    let e = f.export();
    let west = find(&e, "resources", "aoai-west");
    assert_eq!(west["deleted"], "2026-12-03T08:00:00Z");
    assert_eq!(west["purged"], "2026-12-05T08:00:00Z");
    assert!(west.get("deleted_approximate").is_none(), "{west}");
    assert!(west.get("purged_approximate").is_none(), "{west}");
    assert!(find(&e, "deployments", "batch")["deleted"].is_null());
    let diff = f.ok(&["diff", "--since", "last-sync"]);
    assert!(
        diff.contains(&format!(
            "resource {WEST} deleted at 2026-12-03T08:00:00Z, purged at 2026-12-05T08:00:00Z\n"
        )),
        "{diff}"
    );

    // Its 50 PTU Data Zone deployment keeps billing until the purge, then stops.
    import_prices(&f, SECOND);
    assert_eq!(
        windows_of(&f, SECOND, "2026-12-06T00:00:00Z", WEST),
        [[
            "overage",
            SECOND,
            "2026-12-05T08:00:00Z",
            "400.0000",
            "440.00"
        ]
        .map(String::from)]
    );
    assert!(windows_of(&f, "2026-12-05T08:00:00Z", "2026-12-06T00:00:00Z", WEST).is_empty());

    // The same answers again: nothing new.
    let again = f.sync_ok(
        &["softdel", "gone", "first"],
        &["--now", "2026-12-05T01:00:00Z"],
    );
    only_capacity_redated(&again, 6);

    // Listed again before its purge: recovered.
    let out = f.sync_ok(&["first"], &["--now", "2026-12-05T02:00:00Z"]);
    assert!(
        out.contains("note: account aoai-west was deleted at 2026-12-03T08:00:00Z and Azure lists it again before its purge: taken as recovered, its deletion cleared"),
        "{out}"
    );
    let west = find(&f.export(), "resources", "aoai-west").clone();
    assert!(
        west.get("deleted").is_none() && west.get("purged").is_none(),
        "{west}"
    );
    assert!(
        f.ok(&["diff", "--since", "last-sync"])
            .contains(&format!("resource {WEST} no longer deleted")),
    );
}

#[test]
fn an_account_gone_from_the_deleted_list_too_is_purged_at_its_deletion() {
    let f = fake();
    first_sync(&f);
    let out = f.sync_ok(&["purged", "gone-log", "gone", "first"], &["--now", SECOND]);
    for line in [
        "account aoai-west deleted at 2026-12-02T07:30:00Z (from the activity log)",
        "account aoai-west purged at 2026-12-02T07:30:00Z (approximate: taken at its deletion, as Azure keeps no record of the purge)",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let b: Vec<String> = f.commands().into_iter().filter(|c| c.contains(B)).collect();
    assert_eq!(
        b,
        [
            format!("az cognitiveservices account list --subscription {B} --output json"),
            format!("az cognitiveservices account list-deleted --subscription {B} --output json"),
            // From the last instant the store knew on it (dev-plan's start).
            format!(
                "az monitor activity-log list --resource-id {WEST} --start-time 2026-11-15T00:00:00Z --end-time 2026-12-05T00:00:00Z --max-events 1000 --subscription {B} --output json"
            ),
        ]
    );
    let e = f.export();
    let west = find(&e, "resources", "aoai-west");
    assert_eq!(west["deleted"], "2026-12-02T07:30:00Z");
    assert_eq!(west["purged"], "2026-12-02T07:30:00Z");
    assert!(west.get("deleted_approximate").is_none(), "{west}");
    assert_eq!(west["purged_approximate"], true);
    let diff = f.ok(&["diff", "--since", "last-sync"]);
    assert!(
        diff.contains(&format!(
            "resource {WEST} deleted at 2026-12-02T07:30:00Z, purged at 2026-12-02T07:30:00Z (time approximate)"
        )),
        "{diff}"
    );
    // Purged: its deployment bills no more.
    import_prices(&f, SECOND);
    assert!(windows_of(&f, SECOND, "2026-12-06T00:00:00Z", WEST).is_empty());

    // An account under the same name later: a new one, left out and said.
    let before = f.ok(&["export"]);
    let out = f.sync_ok(&["first"], &["--now", "2026-12-06T00:00:00Z"]);
    assert!(
        out.contains("it was purged at 2026-12-02T07:30:00Z; an account recreated under the same name is not tracked"),
        "{out}"
    );
    assert_eq!(estate_only(&f.ok(&["export"])), estate_only(&before));
    assert!(
        !f.commands().iter().any(|c| c.contains("AOAI-West")),
        "its deployments are not read"
    );
}

#[test]
fn an_account_gone_without_any_record_is_deleted_at_the_sync_time_approximate() {
    let f = fake();
    first_sync(&f);
    let out = f.sync_ok(&["purged", "gone", "first"], &["--now", SECOND]);
    for what in ["account aoai-west deleted", "account aoai-west purged"] {
        let line = format!("{what} at {SECOND} (");
        assert!(out.contains(&line), "missing {line:?} in:\n{out}");
    }
    assert!(
        f.commands()
            .iter()
            .any(|c| c.contains(&format!("activity-log list --resource-id {WEST} "))),
        "the log was asked, and had nothing"
    );
    let west = find(&f.export(), "resources", "aoai-west").clone();
    assert_eq!(
        (&west["deleted"], &west["purged"]),
        (&json(SECOND), &json(SECOND))
    );
    assert_eq!(west["deleted_approximate"], true);
    assert_eq!(west["purged_approximate"], true);
    let diff = f.ok(&["diff", "--since", "last-sync"]);
    assert!(
        diff.contains(&format!(
            "resource {WEST} deleted at {SECOND} (time approximate), purged at {SECOND} (time approximate)"
        )),
        "{diff}"
    );

    // The deleted accounts unreadable: deleted, the purge unknown (it bills
    // on), and --quiet still says why.
    let g = fake();
    first_sync(&g);
    let o = g.sync(
        &["gone", "first"],
        &[("AZ_FAKE_REFUSE", "list-deleted")],
        &["--now", SECOND, "--quiet"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    let err = text(&o.stderr);
    assert!(
        err.starts_with("note: the deleted accounts of contoso-dev (bbbbbbbb) are not readable ((AuthorizationFailed)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let west = find(&g.export(), "resources", "aoai-west").clone();
    assert_eq!(west["deleted"], SECOND);
    assert_eq!(west["deleted_approximate"], true);
    assert!(west.get("purged").is_none(), "{west}");
}

fn json(s: &str) -> Value {
    Value::String(s.to_string())
}

#[test]
fn the_settings_file_sets_the_time_limit() {
    let f = fake();
    let config = f.dir.path().join("config.toml");
    std::fs::write(&config, "[sync]\ntimeout = \"1s\"\n").unwrap();
    let cfg = config.to_str().unwrap();
    let hang = ("AZ_FAKE_HANG", "reservationOrders?api-version");
    let started = std::time::Instant::now();
    let o = f.sync(
        &["first"],
        &[("PTUDESK_CONFIG", cfg), hang],
        &["--now", FIRST],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("error: the reservations could not be read: `az rest --method get --url '{ORDERS}' --output json`: it did not answer within 1 s and was stopped")),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(!f.db.exists());

    // --timeout wins over the file.
    let o = f.sync(
        &["first"],
        &[("PTUDESK_CONFIG", cfg), hang],
        &["--now", FIRST, "--timeout", "2s"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("did not answer within 2 s"),
        "{}",
        text(&o.stderr)
    );

    // A bad setting is an error that names it, and writes nothing.
    std::fs::write(&config, "[sync]\ntimeout = \"0s\"\n").unwrap();
    let o = f.sync(&["first"], &[("PTUDESK_CONFIG", cfg)], &["--now", FIRST]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("sync.timeout: expected a duration above zero"),
        "{}",
        text(&o.stderr)
    );
    assert!(!f.db.exists());
}

#[test]
fn the_terminal_apps_sync_takes_its_time_limit_from_the_settings() {
    use ptudesk::tui::runtime::{Options, StoreChoice, prepare};
    use ptudesk::tui::{Action, Effect};
    let f = fake();
    // The worker runs `az` without our environment: a wrapper hands the
    // fake its answers and makes the reservation orders hang.
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let wrapper = f.bin.join("az-hanging");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nAZ_FAKE_DIRS={dirs} AZ_FAKE_HANG='reservationOrders?api-version' exec {az} \"$@\"\n",
            dirs = quote(&data("first")),
            az = quote(&f.bin.join("az")),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config =
        ptudesk::config::Config::parse("config.toml", "[sync]\ntimeout = \"1s\"\n").unwrap();
    let now = ptudesk::domain::time::parse_time_arg(FIRST).unwrap();
    let (_, mut worker) = prepare(Options {
        store: StoreChoice::Path(f.db.clone()),
        now: Some(now),
        clock_start: None,
        readonly: false,
        config,
    })
    .unwrap();
    assert_eq!(worker.sync.timeout, std::time::Duration::from_secs(1));
    worker.sync.program = wrapper.into_os_string();
    let answers = worker.run(Effect::Sync {
        subscriptions: vec![],
        now,
        allow_partial: false,
    });
    match answers.last() {
        Some(Action::Synced(Err(e))) => assert!(
            e.contains(&format!(
                "`az rest --method get --url '{ORDERS}' --output json`: it did not answer within 1 s"
            )),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_import_of_az_output_marks_what_it_dates_at_its_own_time_approximate() {
    // The same answers imported as files: the import instant is all an
    // import knows about when the changes happened.
    let f = fake();
    let file = |dir: &str, name: &str| data(dir).join(name).display().to_string();
    let east = format!("name-aoai-east-resource-group-rg-ml-subscription-{A}");
    let order = "rest-method-get-url-providers-microsoft-capacity-reservationorders-c0de0001-0000-4000-8000-000000000001-reservations-api-version-2022-11-01.json";
    let orders = file(
        "first",
        "rest-method-get-url-providers-microsoft-capacity-reservationorders-api-version-2022-11-01.json",
    );
    let deployments = format!("cognitiveservices-account-deployment-list-{east}.json");
    let plans = format!("cognitiveservices-account-commitment-plan-list-{east}.json");
    let accounts = file(
        "first",
        &format!("cognitiveservices-account-list-subscription-{A}.json"),
    );
    let first = [
        accounts,
        file("first", &deployments),
        file("first", &plans),
        orders.clone(),
        file("first", order),
    ];
    let mut args: Vec<&str> = vec!["import"];
    args.extend(first.iter().map(String::as_str));
    args.extend(["--now", FIRST]);
    f.ok(&args);
    let second = [
        file("second", &deployments),
        file("second", &plans),
        orders,
        file("undated", order),
    ];
    let mut args: Vec<&str> = vec!["import"];
    args.extend(second.iter().map(String::as_str));
    args.extend(["--now", SECOND]);
    f.ok(&args);
    let diff = f.ok(&["diff", "--since", "2026-12-01T00:00:00Z"]);
    let changes: Vec<&str> = diff.lines().skip(1).collect();
    assert_eq!(changes.len(), 5, "{diff}");
    for (line, what) in changes.iter().zip([
        "resized 300 -> 400 PTU",
        "+50 PTU added",
        "renewal flipped autorenew -> don't renew",
        "scope changed",
        "renewal flipped autorenew -> don't renew",
    ]) {
        assert!(line.contains(what), "{what:?} in {line:?}");
        assert!(
            line.ends_with(&format!("at {SECOND} (time approximate)")),
            "{line:?}"
        );
    }

    // A cancellation seen by an import: refunded at the import time, approximate.
    let later = "2026-12-06T00:00:00Z";
    let cancelled = file("cancelled", order);
    let orders = file(
        "first",
        "rest-method-get-url-providers-microsoft-capacity-reservationorders-api-version-2022-11-01.json",
    );
    f.ok(&["import", &orders, &cancelled, "--now", later]);
    let diff = f.ok(&["diff", "--since", SECOND]);
    assert!(
        diff.contains(&format!(": refunded at {later} (time approximate)")),
        "{diff}"
    );
}

#[test]
fn the_readme_lists_every_command_a_sync_runs() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let listed: Vec<&str> = readme.lines().map(str::trim).collect();
    for cmd in ptudesk::sync::commands() {
        assert!(
            listed.contains(&cmd.as_str()),
            "README.md does not list the sync command {cmd:?}"
        );
    }
}

/// `check --format json` at `at`: (kind, severity, subject, message) per notification.
fn notifications(f: &Fake, at: &str) -> (Option<i32>, Vec<[String; 4]>) {
    let o = f.ptudesk(&["check", "--now", at, "--format", "json"]);
    let list: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&o.stdout), text(&o.stderr)));
    let items = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            ["kind", "severity", "subject", "message"].map(|k| n[k].as_str().unwrap().to_string())
        })
        .collect();
    (o.status.code(), items)
}

const OVERAGE: [&str; 2] = ["hourly_overage", "commitment_overage"];

#[test]
fn reservations_are_read_through_az_rest_without_the_reservation_extension() {
    let f = fake();
    // The stand-in acts as a fresh az 2.91 does: no reservation extension.
    let o = Command::new(f.bin.join("az"))
        .args([
            "reservations",
            "reservation-order",
            "list",
            "--output",
            "json",
        ])
        .env("AZ_FAKE_DIRS", data("first"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .starts_with("ERROR: 'reservations' is misspelled or not recognized by the system."),
        "{}",
        text(&o.stderr)
    );

    let out = f.sync_ok(&["first"], &["--now", FIRST]);
    assert!(
        out.contains("reservations       added 1, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(!out.contains("note:"), "{out}");
    let commands = f.commands();
    assert!(
        commands.iter().all(|c| !c.starts_with("az reservations")),
        "{commands:?}"
    );
    // Both pages of orders, then each order's reservations.
    let rest: Vec<&String> = commands
        .iter()
        .filter(|c| c.contains("Microsoft.Capacity"))
        .collect();
    assert_eq!(rest.len(), 4, "{rest:?}");
    assert!(rest[1].contains("$skiptoken=2"), "{rest:?}");
    assert!(rest[3].contains(&format!("reservationOrders/{O2}/reservations")));

    // `check` sees the reservation (it pays for PTUs the commitment covers
    // too), and the overage of the types nothing covers is certain.
    import_prices(&f, FIRST);
    let (code, list) = notifications(&f, "2026-11-28T07:00:00Z");
    assert_eq!(code, Some(2), "{list:?}");
    assert!(
        list.iter().any(|[k, _, s, _]| k == "double_billing_window"
            && s.ends_with("/reservations/d0de0001-0000-4000-8000-000000000001")),
        "{list:?}"
    );
    assert!(
        list.iter()
            .any(|[k, sev, _, _]| OVERAGE.contains(&k.as_str()) && sev == "critical"),
        "{list:?}"
    );
    assert!(list.iter().all(|[k, ..]| k != "reservations_unknown"));
}

#[test]
fn reservations_azure_refuses_stop_the_sync_unless_allowed_and_are_then_unknown() {
    let f = fake();
    let refuse = [("AZ_FAKE_REFUSE", "Microsoft.Capacity")];
    let orders = format!("`az rest --method get --url '{ORDERS}' --output json`");

    // Refused: the sync names the call and writes nothing (not even a store).
    for args in [&["--now", FIRST][..], &["--now", FIRST, "--dry-run"][..]] {
        let o = f.sync(&["first"], &refuse, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!(
                "error: the reservations could not be read: {orders}: no permission (Forbidden("
            )),
            "{err}"
        );
        assert!(err.contains("nothing was written"), "{err}");
        assert!(err.contains("--allow-partial"), "{err}");
        assert!(!f.db.exists());
    }

    // --allow-partial: the rest is imported, exit 0, and it says so.
    let o = f.sync(&["first"], &refuse, &["--now", FIRST, "--allow-partial"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("deployments        added 3, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "note: reservations not read: {orders}: no permission"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "the store marks the estate's reservations unknown since {FIRST}"
        )),
        "{out}"
    );
    assert_eq!(f.export()["reservations"].as_array().unwrap().len(), 0);
    // --quiet still tells cron.
    let o = f.sync(
        &["first"],
        &refuse,
        &["--now", SECOND, "--allow-partial", "--quiet"],
    );
    assert!(o.status.success());
    assert!(text(&o.stdout).is_empty());
    assert!(
        text(&o.stderr).contains("note: reservations not read"),
        "{}",
        text(&o.stderr)
    );

    // `check`: a notification of its own, unknown since the first sync that
    // could not read them; no overage presented as certain.
    import_prices(&f, SECOND);
    let at = "2026-12-05T01:00:00Z";
    let (code, list) = notifications(&f, at);
    assert_eq!(code, Some(1), "warning at most: {list:?}");
    let unknown: Vec<&[String; 4]> = list
        .iter()
        .filter(|[k, ..]| k == "reservations_unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{list:?}");
    let [_, severity, subject, message] = unknown[0];
    assert_eq!(
        (severity.as_str(), subject.as_str()),
        ("warning", "reservations")
    );
    assert!(
        message.contains(&format!(
            "unknown since the sync at {FIRST}: it could not read them, the latest at {SECOND} ({orders}: no permission"
        )),
        "{message}"
    );
    let overage: Vec<&[String; 4]> = list
        .iter()
        .filter(|[k, ..]| OVERAGE.contains(&k.as_str()))
        .collect();
    assert!(!overage.is_empty(), "{list:?}");
    for [_, severity, _, message] in overage {
        assert_eq!(severity, "warning");
        assert!(
            message.contains("may be covered by a reservation ptudesk could not read"),
            "{message}"
        );
    }
    let text_out = f.ptudesk(&["check", "--now", at]);
    assert!(
        text(&text_out.stdout).contains("WARNING  reservations_unknown  reservations"),
        "{}",
        text(&text_out.stdout)
    );

    // The terminal app shows it too.
    {
        use ptudesk::tui::runtime::{Options, StoreChoice, prepare, settle};
        use ptudesk::tui::{Action, Pane, draw};
        let (mut app, worker) = prepare(Options {
            store: StoreChoice::Path(f.db.clone()),
            now: Some(ptudesk::domain::time::parse_time_arg(at).unwrap()),
            clock_start: None,
            readonly: true,
            config: ptudesk::config::Config::default(),
        })
        .unwrap();
        let start = app.start();
        settle(&mut app, &worker, start);
        ptudesk::tui::runtime::send(&mut app, &worker, Action::PaneNotifications);
        assert_eq!(app.pane, Pane::Notifications);
        app.size = (120, 40);
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        t.draw(|fr| draw(&app, fr)).unwrap();
        let screen = format!("{}", t.backend());
        assert!(
            screen.contains("reservations unknown         reservations"),
            "{screen}"
        );
        assert!(screen.contains("5 warning 1 info"), "{screen}");
        assert!(!screen.to_lowercase().contains("critical"), "{screen}");
    }

    // A sync that reads them clears the mark, and says so.
    let out = f.sync_ok(&["first"], &["--now", "2026-12-06T00:00:00Z"]);
    assert!(
        out.contains(&format!(
            "note: reservations read again: the store no longer marks them unknown (it did since {FIRST})"
        )),
        "{out}"
    );
    assert_eq!(f.export()["reservations"].as_array().unwrap().len(), 1);
    let (code, list) = notifications(&f, "2026-12-06T01:00:00Z");
    assert!(
        list.iter().all(|[k, ..]| k != "reservations_unknown"),
        "{list:?}"
    );
    assert!(
        list.iter()
            .any(|[k, sev, _, _]| OVERAGE.contains(&k.as_str()) && sev == "critical"),
        "{list:?}"
    );
    assert_eq!(code, Some(2));
}

#[test]
fn a_reservation_call_failing_part_way_keeps_what_was_read_when_allowed() {
    let f = fake();
    let fail = [(
        "AZ_FAKE_FAIL",
        &*format!("reservationOrders/{O2}/reservations"),
    )];
    let o = f.sync(&["first"], &fail, &["--now", FIRST]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("error: the reservations could not be read: `az rest --method get --url '/providers/Microsoft.Capacity/reservationOrders/{O2}/reservations?api-version=2022-11-01' --output json`: it failed (exit 1): (InternalServerError)")),
        "{err}"
    );
    assert!(!f.db.exists());
    let out = {
        let o = f.sync(&["first"], &fail, &["--now", FIRST, "--allow-partial"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    // The first order's reservation was read, and is kept.
    assert!(
        out.contains("reservations       added 1, changed 0, unchanged 0"),
        "{out}"
    );
    assert!(out.contains("note: reservations not read"), "{out}");
    import_prices(&f, FIRST);
    let (_, list) = notifications(&f, "2026-11-28T07:00:00Z");
    assert!(
        list.iter().any(|[k, ..]| k == "reservations_unknown"),
        "{list:?}"
    );
}

#[test]
fn a_shared_plan_without_its_associations_names_the_az_rest_call_that_lists_them() {
    let f = fake();
    let file = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/azure")
            .join(name)
            .display()
            .to_string()
    };
    let out = f.ok(&[
        "import",
        &file("accounts.json"),
        &file("shared-plan.json"),
        "--now",
        FIRST,
    ]);
    let call = ptudesk::ingest::azure::plan_associations_command();
    assert!(
        out.contains(&format!(
            "no account association in this import (import the plan's too: `{call}`, or run `ptudesk sync`)"
        )),
        "{out}"
    );
    assert!(!out.contains("account-association"), "{out}");
    // The very line the README gives.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.lines().any(|l| l.trim() == call), "{call}");
}

#[test]
fn the_terminal_apps_sync_takes_allow_partial() {
    use ptudesk::tui::runtime::{Options, StoreChoice, prepare};
    use ptudesk::tui::{Action, Effect};
    let f = fake();
    // The worker runs `az` without our environment: a wrapper hands the
    // fake its answers and has Azure refuse the reservations.
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    let wrapper = f.bin.join("az-refusing");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nAZ_FAKE_DIRS={dirs} AZ_FAKE_REFUSE='Microsoft.Capacity' exec {az} \"$@\"\n",
            dirs = quote(&data("first")),
            az = quote(&f.bin.join("az")),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let now = ptudesk::domain::time::parse_time_arg(FIRST).unwrap();
    let (mut app, mut worker) = prepare(Options {
        store: StoreChoice::Path(f.db.clone()),
        now: Some(now),
        clock_start: None,
        readonly: false,
        config: ptudesk::config::Config::default(),
    })
    .unwrap();
    worker.sync.program = wrapper.into_os_string();

    // `:sync --allow-partial SUB` asks for it; `:sync SUB` does not.
    for (line, partial) in [
        ("sync --allow-partial contoso-prod", true),
        ("sync contoso-prod", false),
    ] {
        app.syncing = false;
        let effects = ptudesk::tui::app::update(&mut app, Action::Command(line.into()));
        match effects.as_slice() {
            [
                Effect::Sync {
                    subscriptions,
                    allow_partial,
                    ..
                },
            ] => assert_eq!(
                (subscriptions.as_slice(), *allow_partial),
                (&["contoso-prod".to_string()][..], partial)
            ),
            other => panic!("{line}: {other:?}"),
        }
    }

    let run = |allow_partial| {
        worker
            .run(Effect::Sync {
                subscriptions: vec![],
                now,
                allow_partial,
            })
            .pop()
    };
    match run(false) {
        Some(Action::Synced(Err(e))) => {
            assert!(e.contains("the reservations could not be read"), "{e}");
            assert!(e.ends_with("here: `:sync --allow-partial`"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!f.db.exists() || f.ok(&["log"]).trim().is_empty());
    match run(true) {
        Some(Action::Synced(Ok(line))) => assert!(
            line.contains(
                "reservations NOT read: unknown since 2026-11-28 06:00 UTC (see Notifications)"
            ),
            "{line}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sync_reads_service_capacity_for_the_models_deployed_dated_and_a_refusal_is_a_note() {
    let f = fake();
    first_sync(&f);
    // Each model and version deployed, every region and SKU Azure reports,
    // dated with the sync's instant (the Standard row skipped).
    let e = f.export();
    let caps: Vec<(String, String, String, i64, String)> = e["model_capacities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["region"].as_str().unwrap().to_string(),
                c["sku"].as_str().unwrap().to_string(),
                c["model"].as_str().unwrap().to_string(),
                c["available"].as_i64().unwrap(),
                c["as_of"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(caps.len(), 7, "{caps:?}");
    assert!(caps.iter().all(|c| c.4 == FIRST), "{caps:?}");
    assert!(caps.contains(&(
        "eastus2".into(),
        "ProvisionedManaged".into(),
        "gpt-4.1".into(),
        0,
        FIRST.into()
    )));
    // `capacity` uses them offline, with their age: 200 Regional in eastus2
    // as of the sync, read 2 h later.
    let out = f.ok(&[
        "capacity",
        "--model",
        "gpt-4o",
        "--version",
        "2024-08-06",
        "--ptu",
        "100",
        "--type",
        "Regional",
        "--now",
        "2026-11-28T08:00:00Z",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let east = v["places"]
        .as_array()
        .or_else(|| v.as_array())
        .unwrap()
        .iter()
        .find(|p| p["region"] == "eastus2")
        .unwrap_or_else(|| panic!("{out}"))
        .clone();
    assert_eq!(east["capacity"]["available"], 200, "{east}");
    assert_eq!(east["capacity"]["as_of"], FIRST, "{east}");
    assert_eq!(east["capacity"]["age_seconds"], 7200, "{east}");

    // Azure refuses the capacity calls: a note, the rest imported, the
    // store keeps the capacity it had with its date.
    let o = f.sync(
        &["second", "first"],
        &[("AZ_FAKE_REFUSE", "modelCapacities")],
        &["--now", SECOND],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(
            "note: service capacity for gpt-4o 2024-08-06 not read under contoso-prod (aaaaaaaa)"
        ),
        "{out}"
    );
    assert!(out.contains("the store keeps the capacity it last read, with its date"));
    assert!(
        out.contains("deployments        added 0, changed 2"),
        "{out}"
    );
    let e = f.export();
    assert!(
        e["model_capacities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["as_of"] == FIRST)
    );

    // An answer that is not JSON stops the sync like any other: nothing written.
    let log = f.ok(&["log"]);
    let o = f.sync(
        &["first"],
        &[("AZ_FAKE_GARBAGE", "modelCapacities")],
        &["--now", SECOND],
    );
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("modelCapacities"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(f.ok(&["log"]), log);
}
