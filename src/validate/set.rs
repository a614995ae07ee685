//! Rules across a set of jobs validated together: with a closed world, every upstream's
//! destination must be a service some job in the set registers.

use super::{Checker, Names};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::text;
use crate::model::{Job, service_name};

/// How a set of jobs is checked together.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SetOptions {
    /// The set is every job there is: an upstream whose destination no job provides is an
    /// error. Without it, nothing is assumed about services outside the set.
    pub closed_world: bool,
}

impl SetOptions {
    /// Options with `closed_world` set as given.
    pub fn closed_world(closed_world: bool) -> SetOptions {
        SetOptions { closed_world }
    }
}

/// Checks jobs as a set, returning the findings for each job, by index.
///
/// ```
/// use jobspec::validate::{SetOptions, validate_set};
///
/// let dashboard = jobspec::parse(r#"
/// job "dash" {
///   group "g" {
///     service {
///       name = "dash"
///       connect {
///         sidecar_service {
///           proxy {
///             upstreams {
///               destination_name = "count-apii"
///               local_bind_port  = 8080
///             }
///           }
///         }
///       }
///     }
///   }
/// }
/// "#)?;
/// let api = jobspec::parse(r#"
/// job "api" {
///   group "g" {
///     service {
///       name = "count-api"
///     }
///   }
/// }
/// "#)?;
/// let findings = validate_set(&[&dashboard, &api], SetOptions::closed_world(true));
/// assert_eq!(findings[0][0].help.as_deref(), Some("did you mean `count-api`?"));
/// assert!(findings[1].is_empty());
/// # Ok::<(), jobspec::Report>(())
/// ```
pub fn validate_set(jobs: &[&Job], options: SetOptions) -> Vec<Vec<Diagnostic>> {
    let mut out: Vec<Vec<Diagnostic>> = vec![Vec::new(); jobs.len()];
    if !options.closed_world {
        return out;
    }
    let mut provided: Vec<String> = Vec::new();
    for job in jobs {
        let job_name = text(&job.name).or(text(&job.id)).unwrap_or("");
        for group in &job.task_groups {
            let group_name = text(&group.name).unwrap_or("");
            for service in &group.services {
                provided.push(service_name(job_name, group_name, None, service));
            }
            for task in &group.tasks {
                for service in &task.services {
                    provided.push(service_name(
                        job_name,
                        group_name,
                        text(&task.name),
                        service,
                    ));
                }
            }
        }
    }
    let known: Names<'_> = provided.iter().map(String::as_str).collect();
    let mut cx = Checker::default();
    for (i, job) in jobs.iter().enumerate() {
        for group in &job.task_groups {
            for service in &group.services {
                let Some(proxy) = service.sidecar_proxy() else {
                    continue;
                };
                for upstream in &proxy.upstreams {
                    let Some(dest) = &upstream.destination_name else {
                        continue;
                    };
                    // Interpolated, peered or other-datacenter destinations are outside the set.
                    if dest.contains("${")
                        || upstream.destination_peer.is_some()
                        || known.contains(dest)
                    {
                        continue;
                    }
                    let help = cx.suggest(dest, &known, || {
                        "no job in the set registers it; add the job that does, or check the name"
                            .to_owned()
                    });
                    out[i].push(
                        Diagnostic::new(Code::UnknownDestination, dest.span, format!("no service named {:?} is registered by the jobs validated together", dest.inner))
                            .with_label("unknown destination")
                            .with_help(help),
                    );
                }
            }
        }
    }
    out
}
