//! Nomad's post-decode normalization (`jobspec2/parse_job.go`, `hcl_conversions.go`): what the
//! HCL parser itself does after reading the file, so the model is the job that
//! `nomad job run -output` prints.

use crate::model::{
    ChangeScript, Duration, Job, NetworkResource, Secret, Task, TaskGroup, Template, Vault,
};
use crate::span::{Span, Spanned};

fn default<T>(slot: &mut Option<Spanned<T>>, value: T, span: Span) {
    if slot.is_none() {
        *slot = Some(Spanned::new(value, span));
    }
}

/// Applies the parser's normalizations to a freshly lowered job.
pub(crate) fn job(job: &mut Job) {
    if let Some(periodic) = &mut job.periodic {
        let span = periodic.span;
        if periodic.spec.is_some() || periodic.specs.is_some() {
            default(&mut periodic.spec_type, "cron".to_owned(), span);
        }
    }

    // Job-level tasks become single-task groups, placed before the declared groups.
    let outside: Vec<Spanned<TaskGroup>> = std::mem::take(&mut job.tasks)
        .into_iter()
        .map(|task| {
            let span = task.span;
            let group = TaskGroup {
                name: task.name.clone(),
                tasks: vec![task],
                ..TaskGroup::default()
            };
            Spanned::new(group, span)
        })
        .collect();
    job.task_groups.splice(0..0, outside);

    let mut job_vault = job.vault.take();
    if let Some(vault) = &mut job_vault {
        normalize_vault(vault);
    }
    let job_secrets = std::mem::take(&mut job.secrets);

    for group in &mut job.task_groups {
        normalize_networks(&mut group.networks);
        let group_vault = group.vault.take();
        let group_secrets = std::mem::take(&mut group.secrets);
        for task in &mut group.tasks {
            if task.vault.is_none() {
                task.vault.clone_from(&group_vault);
            }
            // Nomad appends the task's own secrets to themselves here and drops the group's
            // (hcl_conversions.go); we give the task the group's secrets, as documented.
            task.secrets.splice(0..0, group_secrets.iter().cloned());
            normalize_task(task, job_vault.as_ref(), &job_secrets);
        }
    }
}

fn normalize_task(
    task: &mut Task,
    job_vault: Option<&Spanned<Vault>>,
    job_secrets: &[Spanned<Secret>],
) {
    if let Some(resources) = &mut task.resources {
        normalize_networks(&mut resources.networks);
    }
    for template in &mut task.templates {
        normalize_template(template);
    }
    match &mut task.vault {
        Some(vault) => normalize_vault(vault),
        None => task.vault = job_vault.cloned(),
    }
    task.secrets.extend(job_secrets.iter().cloned());
    // The first identity named "" or "default" is the task's default identity.
    if let Some(i) = task.identities.iter().position(|id| {
        id.name
            .as_ref()
            .is_none_or(|n| n.is_empty() || n.as_str() == "default")
    }) {
        task.identity = Some(task.identities.remove(i));
    }
}

/// Ports with `static > 0` are reserved ports; the rest are dynamic. When a network has
/// `port` blocks, its `reserved_ports` are replaced by the static ones, as in Nomad.
fn normalize_networks(networks: &mut [Spanned<NetworkResource>]) {
    for network in networks {
        if network.dynamic_ports.is_empty() {
            continue;
        }
        let (reserved, dynamic) = std::mem::take(&mut network.dynamic_ports)
            .into_iter()
            .partition(|p| p.value.as_deref().is_some_and(|v| *v > 0));
        network.reserved_ports = reserved;
        network.dynamic_ports = dynamic;
    }
}

fn normalize_vault(vault: &mut Spanned<Vault>) {
    let span = vault.span;
    default(&mut vault.env, true, span);
    default(&mut vault.disable_file, false, span);
    default(&mut vault.change_mode, "restart".to_owned(), span);
}

fn normalize_template(template: &mut Spanned<Template>) {
    let span = template.span;
    default(&mut template.change_mode, "restart".to_owned(), span);
    default(&mut template.perms, "0644".to_owned(), span);
    default(&mut template.splay, Duration::from_secs(5), span);
    default(&mut template.err_missing_key, false, span);
    if let Some(script) = &mut template.change_script {
        normalize_change_script(script);
    }
}

fn normalize_change_script(script: &mut Spanned<ChangeScript>) {
    let span = script.span;
    default(&mut script.args, Vec::new(), span);
    default(&mut script.timeout, Duration::from_secs(5), span);
    default(&mut script.fail_on_error, false, span);
}
