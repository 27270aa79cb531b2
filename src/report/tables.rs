//! The estate as CSV, one file per table (`export --format csv`); FOCUS
//! rows are [`super::focus`]'s.

use crate::domain::Estate;
use crate::domain::time::{Time, fmt_time};
use std::path::Path;

fn t(x: Option<Time>) -> String {
    x.map(fmt_time).unwrap_or_default()
}

fn m(x: Option<rust_decimal::Decimal>) -> String {
    x.map(|d| d.to_string()).unwrap_or_default()
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializes")
}

/// One CSV table: its file name, header and rows.
pub struct Table {
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The estate's tables.
pub fn tables(e: &Estate) -> Vec<Table> {
    let mut out = Vec::new();
    out.push(Table {
        name: "billing_accounts",
        header: vec!["billing_account", "subscription"],
        rows: e
            .billing_accounts
            .iter()
            .flat_map(|b| {
                b.subscriptions
                    .iter()
                    .map(move |s| vec![b.id.clone(), s.clone()])
            })
            .collect(),
    });
    out.push(Table {
        name: "management_groups",
        header: vec!["management_group", "parent", "subscriptions"],
        rows: e
            .management_groups
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    g.parent.clone().unwrap_or_default(),
                    g.subscriptions.join(" "),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "prices",
        header: vec![
            "region",
            "sku",
            "hourly",
            "reservation_month",
            "reservation_year",
            "commitment_month",
            "verified",
            "source",
            "as_of",
        ],
        rows: e
            .prices
            .iter()
            .map(|p| {
                vec![
                    p.region.clone(),
                    p.sku.azure_name().into(),
                    m(p.hourly),
                    m(p.reservation_month),
                    m(p.reservation_year),
                    m(p.commitment_month),
                    p.verified.unwrap_or(true).to_string(),
                    p.source.clone().unwrap_or_default(),
                    p.as_of.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "quotas",
        header: vec!["subscription", "region", "sku", "limit", "model", "version"],
        rows: e
            .quotas
            .iter()
            .map(|q| {
                vec![
                    q.subscription.clone(),
                    q.region.clone(),
                    q.sku.azure_name().into(),
                    q.limit.to_string(),
                    q.model.clone().unwrap_or_default(),
                    q.version.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "resources",
        header: vec![
            "id",
            "subscription",
            "resource_group",
            "region",
            "deleted",
            "deleted_approximate",
            "purged",
            "purged_approximate",
        ],
        rows: e
            .resources
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.subscription.clone(),
                    r.resource_group.clone(),
                    r.region.clone(),
                    t(r.deleted),
                    r.deleted_approximate.to_string(),
                    t(r.purged),
                    r.purged_approximate.to_string(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "deployments",
        header: vec![
            "id",
            "resource",
            "model",
            "version",
            "sku",
            "created",
            "ptu_now",
            "deleted",
            "deleted_approximate",
        ],
        rows: e
            .deployments
            .iter()
            .map(|d| {
                vec![
                    d.id.clone(),
                    d.resource.clone(),
                    d.model.clone(),
                    d.version.clone(),
                    d.sku.azure_name().into(),
                    fmt_time(d.created()),
                    d.sizes.last().map_or(0, |s| s.ptu).to_string(),
                    t(d.deleted),
                    d.deleted_approximate.to_string(),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "deployment_sizes",
        header: vec!["deployment", "at", "ptu", "approximate"],
        rows: e
            .deployments
            .iter()
            .flat_map(|d| {
                d.sizes.iter().map(move |s| {
                    vec![
                        d.id.clone(),
                        fmt_time(s.at),
                        s.ptu.to_string(),
                        s.approximate.to_string(),
                    ]
                })
            })
            .collect(),
    });
    out.push(Table {
        name: "commitments",
        header: vec!["id", "resource", "start", "ptu", "renewal", "price"],
        rows: e
            .commitments
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    c.resource.clone(),
                    fmt_time(c.start),
                    c.ptu.to_string(),
                    to_json(&c.renewal),
                    m(c.price),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "commitment_changes",
        header: vec!["commitment", "at", "kind", "value", "approximate"],
        rows: e
            .commitments
            .iter()
            .flat_map(|c| {
                let adds = c.additions.iter().map(|a| {
                    vec![
                        c.id.clone(),
                        fmt_time(a.at),
                        "addition".into(),
                        a.ptu.to_string(),
                        a.approximate.to_string(),
                    ]
                });
                let ren = c.renewal_changes.iter().map(|r| {
                    vec![
                        c.id.clone(),
                        fmt_time(r.at),
                        "renewal".into(),
                        to_json(&r.renewal),
                        r.approximate.to_string(),
                    ]
                });
                adds.chain(ren).collect::<Vec<_>>()
            })
            .collect(),
    });
    out.push(Table {
        name: "reservations",
        header: vec![
            "id",
            "name",
            "region",
            "sku",
            "ptu",
            "term",
            "billing",
            "start",
            "scope",
            "renewal",
            "refunded_at",
            "refunded_approximate",
            "refunded_reported",
            "price",
        ],
        rows: e
            .reservations
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.name.clone(),
                    r.region.clone(),
                    r.sku.azure_name().into(),
                    r.ptu.to_string(),
                    r.term.code().into(),
                    r.billing.code().into(),
                    fmt_time(r.start),
                    to_json(&r.scope),
                    to_json(&r.renewal),
                    t(r.refunded_at),
                    r.refunded_approximate.to_string(),
                    r.refunded_reported.to_string(),
                    m(r.price),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "reservation_changes",
        header: vec!["reservation", "at", "kind", "value", "approximate"],
        rows: e
            .reservations
            .iter()
            .flat_map(|r| {
                let sc = r.scope_changes.iter().map(|s| {
                    vec![
                        r.id.clone(),
                        fmt_time(s.at),
                        "scope".into(),
                        to_json(&s.scope),
                        s.approximate.to_string(),
                    ]
                });
                let rn = r.renewal_changes.iter().map(|c| {
                    vec![
                        r.id.clone(),
                        fmt_time(c.at),
                        "renewal".into(),
                        to_json(&c.renewal),
                        c.approximate.to_string(),
                    ]
                });
                sc.chain(rn).collect::<Vec<_>>()
            })
            .collect(),
    });
    out.push(Table {
        name: "managed_compute",
        header: vec![
            "id",
            "subscription",
            "region",
            "vm_sku",
            "instances",
            "gpus_per_instance",
            "vm_hourly",
            "surcharge_gpu_hourly",
            "start",
            "end",
        ],
        rows: e
            .managed_compute
            .iter()
            .map(|x| {
                vec![
                    x.id.clone(),
                    x.subscription.clone(),
                    x.region.clone(),
                    x.vm_sku.clone(),
                    x.instances.to_string(),
                    x.gpus_per_instance.to_string(),
                    x.vm_hourly.to_string(),
                    x.surcharge_gpu_hourly.to_string(),
                    fmt_time(x.start),
                    t(x.end),
                ]
            })
            .collect(),
    });
    out.push(Table {
        name: "model_capacities",
        header: vec!["region", "sku", "model", "version", "available", "as_of"],
        rows: e
            .model_capacities
            .iter()
            .map(|c| {
                vec![
                    c.region.clone(),
                    c.sku.azure_name().to_string(),
                    c.model.clone(),
                    c.version.clone(),
                    c.available.to_string(),
                    fmt_time(c.as_of),
                ]
            })
            .collect(),
    });
    out
}

/// Why the tables were not all written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create {}: {source}", path.display())]
    Folder {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    File {
        path: std::path::PathBuf,
        source: csv::Error,
    },
}

fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), WriteError> {
    let failed = |source: csv::Error| WriteError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(failed)?;
    crate::safe::write_record(&mut w, header).map_err(failed)?;
    for r in rows {
        crate::safe::write_record(&mut w, r).map_err(failed)?;
    }
    w.flush().map_err(|e| failed(e.into()))
}

/// Writes every table as `<dir>/<table>.csv`; returns the files written.
pub fn write_tables(e: &Estate, dir: &Path) -> Result<Vec<String>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Folder {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for table in tables(e) {
        let path = dir.join(format!("{}.csv", table.name));
        write_csv(&path, &table.header, &table.rows)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    /// The cell of `column` in each row of table `name`.
    fn column(tables: &[Table], name: &str, col: &str) -> Vec<String> {
        let t = tables.iter().find(|t| t.name == name).unwrap();
        let i = t.header.iter().position(|h| *h == col).unwrap();
        t.rows.iter().map(|r| r[i].clone()).collect()
    }

    #[test]
    fn every_estimated_instant_is_flagged_in_its_table() {
        let mut e = crate::demo::estate(parse_time_arg("2026-11-22T09:00:00Z").unwrap());
        let before = tables(&e);
        for (name, col) in [
            ("resources", "deleted_approximate"),
            ("resources", "purged_approximate"),
            ("deployments", "deleted_approximate"),
            ("commitment_changes", "approximate"),
            ("reservations", "refunded_approximate"),
            ("reservation_changes", "approximate"),
        ] {
            assert!(
                column(&before, name, col).iter().all(|c| c == "false"),
                "{name}.{col}"
            );
        }
        e.resources[0].deleted_approximate = true;
        e.resources[0].purged_approximate = true;
        e.deployments[1].deleted_approximate = true;
        let c = e
            .commitments
            .iter_mut()
            .find(|c| !c.renewal_changes.is_empty())
            .expect("a commitment with a renewal change");
        c.renewal_changes[0].approximate = true;
        e.reservations[0].refunded_approximate = true;
        let r = &mut e.reservations[1];
        r.scope_changes.push(crate::domain::ScopeChange {
            at: r.start,
            scope: r.scope.clone(),
            approximate: true,
        });
        let after = tables(&e);
        let count = |name, col| {
            column(&after, name, col)
                .iter()
                .filter(|c| *c == "true")
                .count()
        };
        assert_eq!(count("resources", "deleted_approximate"), 1);
        assert_eq!(count("resources", "purged_approximate"), 1);
        assert_eq!(count("deployments", "deleted_approximate"), 1);
        assert_eq!(count("commitment_changes", "approximate"), 1);
        assert_eq!(count("reservations", "refunded_approximate"), 1);
        assert_eq!(count("reservation_changes", "approximate"), 1);
        // Every row as wide as its header.
        for t in &after {
            assert!(
                t.rows.iter().all(|r| r.len() == t.header.len()),
                "{}",
                t.name
            );
        }
    }
}
