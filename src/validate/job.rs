//! Job, group and task rules (`Job.Validate`, `TaskGroup.Validate`, `Task.Validate`).

use std::collections::{HashMap, HashSet};

use super::{Checker, Names, head, seen_before, suggest};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::text;
use crate::model::{Job, Task, TaskGroup, span_or};
use crate::span::{Span, Spanned};

pub(super) fn check(cx: &mut Checker, job: &Job) {
    let job_at = span_or(&job.id, span_or(&job.name, Span::NONE));
    if let Some(id) = &job.id {
        if id.is_empty() {
            cx.report(
                Code::JobId,
                id.span,
                "Missing job ID",
                "empty",
                "give the job a name: `job \"<name>\" { ... }`",
            );
        } else if id.contains(' ') {
            cx.report(
                Code::JobId,
                id.span,
                "Job ID contains a space",
                "contains a space",
                "use dashes or underscores instead of spaces",
            );
        } else if id.contains('\0') {
            cx.report(
                Code::JobId,
                id.span,
                "Job ID contains a null character",
                "contains NUL",
                "remove the null character",
            );
        }
    }
    if let Some(t) = &job.r#type {
        const TYPES: &[&str] = &["service", "batch", "system", "sysbatch"];
        if !TYPES.contains(&t.as_str()) {
            cx.report(
                Code::JobType,
                t.span,
                format!("Invalid job type: {:?}", t.inner),
                "unknown job type",
                suggest(t, TYPES, || {
                    "use service, batch, system or sysbatch".to_owned()
                }),
            );
        }
    }
    if let Some(p) = &job.priority {
        if !(1..=100).contains(&p.inner) {
            cx.report(
                Code::JobPriority,
                p.span,
                format!("job priority must be between [1, 100]; got {}", p.inner),
                "out of range",
                "use a priority from 1 to 100 (50 is the default)",
            );
        }
    }
    if job.task_groups.is_empty() {
        cx.report(
            Code::NoGroups,
            job_at,
            "Missing job task groups",
            "no `group` block",
            "add a `group \"<name>\" { ... }` block with a task",
        );
    }
    // By name: the first group's position among the named ones, and its span.
    let mut seen: HashMap<&str, (usize, Span)> = HashMap::new();
    let mut named = 0;
    for (i, group) in job.task_groups.iter().enumerate() {
        let Some(name) = &group.name else { continue };
        named += 1;
        if let Some((j, first)) = seen_before(&mut seen, name.as_str(), (named - 1, name.span)) {
            cx.push(
                Diagnostic::new(
                    Code::DuplicateGroup,
                    name.span,
                    format!(
                        "Job task group {} redefines '{}' from group {}",
                        i + 1,
                        name.inner,
                        j + 1
                    ),
                )
                .with_label("second group of this name")
                .with_related(first, "first defined here")
                .with_help("give each group a different name"),
            );
        }
        check_group(cx, group);
    }
}

fn check_group(cx: &mut Checker, group: &Spanned<TaskGroup>) {
    let at = span_or(&group.name, head(group.span, "group"));
    let name = text(&group.name).unwrap_or("");
    if let Some(count) = &group.count {
        if count.inner < 0 {
            cx.report(
                Code::GroupCount,
                count.span,
                format!("Task group count can't be negative: {}", count.inner),
                "negative",
                "use 0 or more",
            );
        }
    }
    // Nomad injects a main task for each Connect gateway service.
    let gateways = group
        .services
        .iter()
        .any(|s| s.connect.as_ref().is_some_and(|c| c.gateway.is_some()));
    if group.tasks.is_empty() && !gateways {
        cx.report(
            Code::NoTasks,
            at,
            "Missing tasks for task group",
            "no `task` block",
            "add a `task \"<name>\" { ... }` block",
        );
    } else if !gateways && group.tasks.iter().all(|t| t.lifecycle.is_some()) {
        cx.report(
            Code::NoMainTask,
            at,
            format!("Task group {name} must have at least one main task"),
            "every task is a lifecycle hook",
            "add a task without a `lifecycle` block; the injected Connect sidecar is not a main task",
        );
    }
    let mut seen: HashMap<&str, (usize, Span)> = HashMap::new();
    let mut named = 0;
    for (i, task) in group.tasks.iter().enumerate() {
        if let Some(name) = &task.name {
            named += 1;
            if let Some((j, first)) = seen_before(&mut seen, name.as_str(), (named - 1, name.span))
            {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateTask,
                        name.span,
                        format!(
                            "Task {} redefines '{}' from task {}",
                            i + 1,
                            name.inner,
                            j + 1
                        ),
                    )
                    .with_label("second task of this name")
                    .with_related(first, "first defined here")
                    .with_help("give each task of the group a different name"),
                );
            }
        }
        check_task(cx, task);
    }
    let leaders: Vec<Span> = group
        .tasks
        .iter()
        .filter_map(|t| t.leader.as_ref().filter(|l| l.inner).map(|l| l.span))
        .collect();
    if leaders.len() > 1 {
        let mut d = Diagnostic::new(
            Code::TaskLeader,
            leaders[1],
            "Only one task may be marked as leader",
        )
        .with_label("a second leader")
        .with_help("mark one task of the group as leader");
        d = d.with_related(leaders[0], "the first leader");
        cx.push(d);
    }
}

fn check_task(cx: &mut Checker, task: &Spanned<Task>) {
    let at = span_or(&task.name, head(task.span, "task"));
    if let Some(name) = &task.name {
        let problem = if name.is_empty() {
            Some("Missing task name")
        } else if name.as_str() == "alloc" {
            Some("Task name cannot be \"alloc\"")
        } else if name.contains('/') || name.contains('\\') {
            Some("Task name cannot include slashes")
        } else if name.contains('\0') {
            Some("Task name cannot include null characters")
        } else {
            None
        };
        if let Some(message) = problem {
            cx.report(
                Code::TaskName,
                name.span,
                message,
                "invalid task name",
                "use letters, digits, dashes and underscores",
            );
        }
    }
    match &task.driver {
        None => cx.report(
            Code::MissingDriver,
            at,
            "Missing task driver",
            "no `driver`",
            "set `driver`, e.g. `driver = \"docker\"`",
        ),
        Some(d) if d.is_empty() => cx.report(
            Code::MissingDriver,
            d.span,
            "Missing task driver",
            "empty",
            "set `driver`, e.g. `driver = \"docker\"`",
        ),
        Some(_) => {}
    }
    if let Some(hook) = task.lifecycle.as_ref().and_then(|l| l.hook.as_ref()) {
        const HOOKS: &[&str] = &["prestart", "poststart", "poststop"];
        if !HOOKS.contains(&hook.as_str()) {
            cx.report(
                Code::LifecycleHook,
                hook.span,
                format!("invalid hook: {}", hook.inner),
                "unknown hook",
                suggest(hook, HOOKS, || {
                    "use prestart, poststart or poststop".to_owned()
                }),
            );
        }
    }
}

/// Rules that depend on the job type, on placement blocks, and on the defaults the API fills
/// in (`Job.Validate`, `TaskGroup.Validate`, `Task.Validate`, and the blocks' `Validate`).
pub(super) fn check_more(cx: &mut Checker, job: &Job) {
    let kind = text(&job.r#type).unwrap_or("service");
    let system = kind == "system";
    for dc in job.datacenters.iter().flat_map(|d| d.iter()) {
        if dc.is_empty() {
            cx.report(
                Code::JobDatacenter,
                dc.span,
                "Job datacenter must be non-empty string",
                "empty",
                "name the datacenter, or use \"*\" for all",
            );
        }
    }
    if let Some(desc) = job.ui.as_ref().and_then(|u| u.description.as_ref()) {
        if desc.len() > 1000 {
            cx.report(
                Code::JobUi,
                desc.span,
                format!(
                    "UI description must be under 1000 characters, currently {}",
                    desc.len()
                ),
                "too long",
                "shorten the description",
            );
        }
    }
    let batch_like = matches!(kind, "batch" | "sysbatch");
    if let Some(periodic) = &job.periodic {
        if !batch_like && periodic.enabled.as_deref() != Some(&false) {
            scheduler(
                cx,
                head(periodic.span, "periodic"),
                "Periodic can only be used with \"batch\" or \"sysbatch\" scheduler".into(),
            );
        }
    }
    if let Some(p) = &job.parameterized_job {
        let at = head(p.span, "parameterized");
        if !batch_like {
            scheduler(
                cx,
                at,
                "Parameterized job can only be used with \"batch\" or \"sysbatch\" scheduler"
                    .into(),
            );
        }
        if let Some(payload) = &p.payload {
            if !["optional", "required", "forbidden"].contains(&payload.as_str()) {
                cx.report(
                    Code::Parameterized,
                    payload.span,
                    format!("Unknown payload requirement: {:?}", payload.inner),
                    "unknown requirement",
                    "use optional, required or forbidden",
                );
            }
        }
        let required: Vec<&str> = p
            .meta_required
            .iter()
            .flat_map(|v| v.iter())
            .map(|s| s.as_str())
            .collect();
        for key in p.meta_optional.iter().flat_map(|v| v.iter()) {
            if required.contains(&key.as_str()) {
                cx.report(Code::Parameterized, key.span, format!("Required and optional meta keys should be disjoint. Following keys exist in both: [{}]", key.inner), "both required and optional", "list the key in one of the two");
            }
        }
    }
    placement(
        cx,
        &job.constraints,
        &job.affinities,
        &job.spreads,
        system,
        false,
    );
    for group in &job.task_groups {
        let gname = text(&group.name).unwrap_or("");
        placement(
            cx,
            &group.constraints,
            &group.affinities,
            &group.spreads,
            system,
            false,
        );
        if let Some(count) = &group.count {
            if system && count.inner > 1 {
                scheduler(
                    cx,
                    count.span,
                    format!(
                        "Job task group {gname} has count {}. Count cannot exceed 1 with system scheduler",
                        count.inner
                    ),
                );
            }
        }
        for d in [&group.shutdown_delay].into_iter().flatten() {
            if d.inner.0 < 0 {
                cx.report(
                    Code::NegativeDuration,
                    d.span,
                    "ShutdownDelay must be a positive value",
                    "negative",
                    "use a positive duration",
                );
            }
        }
        if let Some(d) = &group.max_run_duration {
            if d.inner.0 <= 0 {
                cx.report(
                    Code::NegativeDuration,
                    d.span,
                    "MaxRunDuration must be greater than zero",
                    "not positive",
                    "use a positive duration",
                );
            }
            if !batch_like {
                scheduler(
                    cx,
                    d.span,
                    format!("Job type {kind:?} does not allow max_run_duration"),
                );
            }
        }
        if let Some(u) = &group.update {
            if !matches!(kind, "service" | "system") {
                scheduler(
                    cx,
                    head(u.span, "update"),
                    format!("Job type {kind:?} does not allow update block"),
                );
            }
        }
        if group.update.is_some() || (job.update.is_some() && matches!(kind, "service" | "system"))
        {
            update_strategy(cx, job, group);
        }
        if let Some(m) = &group.migrate {
            if kind != "service" {
                scheduler(
                    cx,
                    head(m.span, "migrate"),
                    format!("Job type {kind:?} does not allow migrate block"),
                );
            }
        }
        if let Some(r) = &group.reschedule_policy {
            if matches!(kind, "system" | "sysbatch") {
                scheduler(
                    cx,
                    head(r.span, "reschedule"),
                    "System or sysbatch jobs should not have a reschedule policy".into(),
                );
            }
        }
        group_policies(cx, kind, group);
        let disk = group
            .ephemeral_disk
            .as_ref()
            .and_then(|d| d.size_mb.as_ref());
        if let Some(size) = disk {
            if size.inner < 10 {
                cx.report(
                    Code::EphemeralDisk,
                    size.span,
                    format!("minimum DiskMB value is 10; got {}", size.inner),
                    "too small",
                    "use at least 10 MB",
                );
            }
        }
        let disk_mb = disk.map_or(300, |d| d.inner);
        restart_policy(cx, kind, group.restart_policy.as_ref(), None);
        let volumes: Names<'_> = group.volumes.keys().map(|k| k.as_str()).collect();
        for task in &group.tasks {
            placement(cx, &task.constraints, &task.affinities, &[], system, true);
            if task.restart_policy.is_some() {
                restart_policy(
                    cx,
                    kind,
                    group.restart_policy.as_ref(),
                    task.restart_policy.as_ref(),
                );
            }
            task_rules(cx, job, group, &volumes, task, disk_mb);
        }
    }
}

fn scheduler(cx: &mut Checker, span: Span, message: String) {
    cx.report(
        Code::SchedulerBlock,
        span,
        message,
        "not allowed for this job type",
        "remove the block, or change the job's `type`",
    );
}

fn placement(
    cx: &mut Checker,
    constraints: &[Spanned<crate::model::Constraint>],
    affinities: &[Spanned<crate::model::Affinity>],
    spreads: &[Spanned<crate::model::Spread>],
    system: bool,
    task_level: bool,
) {
    for (i, c) in constraints.iter().enumerate() {
        let at = head(c.span, "constraint");
        let operand = text(&c.operand).unwrap_or("");
        let rtarget = text(&c.rtarget).unwrap_or("");
        let rspan = span_or(&c.rtarget, span_or(&c.operand, at));
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Constraint,
                span,
                format!("Constraint {} validation failed: {message}", i + 1),
                "invalid constraint",
                help,
            );
        };
        let mut needs_ltarget = true;
        match operand {
            "distinct_hosts" => needs_ltarget = false,
            "set_contains" | "set_contains_all" | "set_contains_any" if rtarget.is_empty() => bad(
                cx,
                rspan,
                "Set contains constraint requires an RTarget".into(),
                "set `value`",
            ),
            "regexp" => {
                if let Err(e) = regex::Regex::new(rtarget) {
                    let e = e.to_string();
                    let reason = e.lines().last().unwrap_or("").trim_start_matches("error: ");
                    bad(
                        cx,
                        rspan,
                        format!("Regular expression failed to compile: {reason}"),
                        "fix the regular expression",
                    );
                }
            }
            "version" | "semver" if !valid_version_constraint(rtarget) => {
                let what = if operand == "semver" {
                    "Semver"
                } else {
                    "Version"
                };
                bad(
                    cx,
                    rspan,
                    format!("{what} constraint is invalid: Malformed constraint: {rtarget}"),
                    "write a constraint such as \">= 1.2, < 2.0\"",
                );
            }
            "distinct_property" if !rtarget.is_empty() => match rtarget.parse::<u64>() {
                Ok(0) => bad(
                    cx,
                    rspan,
                    "Distinct Property must have an allowed count of 1 or greater: 0 < 1".into(),
                    "use a count of 1 or more",
                ),
                Ok(_) => {}
                Err(_) => bad(
                    cx,
                    rspan,
                    format!("Failed to convert RTarget {rtarget:?} to uint64"),
                    "`value` is the number of allocations allowed per property value",
                ),
            },
            "is_set" | "is_not_set" if !rtarget.is_empty() => bad(
                cx,
                rspan,
                format!("Operator {operand:?} does not support an RTarget"),
                "remove `value`",
            ),
            "=" | "==" | "is" | "!=" | "not" | "<" | "<=" | ">" | ">=" if rtarget.is_empty() => {
                bad(
                    cx,
                    rspan,
                    format!("Operator {operand:?} requires an RTarget"),
                    "set `value`",
                );
            }
            "set_contains" | "set_contains_all" | "set_contains_any" | "version" | "semver"
            | "distinct_property" | "is_set" | "is_not_set" | "=" | "==" | "is" | "!=" | "not"
            | "<" | "<=" | ">" | ">=" => {}
            other => bad(
                cx,
                span_or(&c.operand, at),
                format!("Unknown constraint type {other:?}"),
                "use an operator Nomad knows, such as =, !=, regexp, version, set_contains",
            ),
        }
        if needs_ltarget && c.ltarget.as_ref().is_none_or(|l| l.is_empty()) {
            bad(
                cx,
                at,
                "no attribute provided but is required by operator".into(),
                "set `attribute`, e.g. \"${attr.kernel.name}\"",
            );
        }
        if task_level && matches!(operand, "distinct_hosts" | "distinct_property") {
            cx.report(
                Code::Constraint,
                span_or(&c.operand, at),
                format!(
                    "Constraint {} has disallowed Operand at task level: {operand}",
                    i + 1
                ),
                "not at task level",
                "move the constraint to the group or the job",
            );
        }
    }
    if system {
        if let Some(a) = affinities.first() {
            scheduler(
                cx,
                head(a.span, "affinity"),
                "System jobs may not have an affinity block".into(),
            );
        }
        if let Some(s) = spreads.first() {
            scheduler(
                cx,
                head(s.span, "spread"),
                "System jobs may not have a spread block".into(),
            );
        }
        return;
    }
    for (i, a) in affinities.iter().enumerate() {
        let at = head(a.span, "affinity");
        let operand = text(&a.operand).unwrap_or("");
        let rtarget = text(&a.rtarget).unwrap_or("");
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Affinity,
                span,
                format!("Affinity {} validation failed: {message}", i + 1),
                "invalid affinity",
                help,
            );
        };
        match operand {
            "regexp" if regex::Regex::new(rtarget).is_err() => bad(
                cx,
                span_or(&a.rtarget, at),
                "Regular expression failed to compile".into(),
                "fix the regular expression",
            ),
            "=" | "==" | "is" | "!=" | "not" | "<" | "<=" | ">" | ">=" | "set_contains"
            | "set_contains_all" | "set_contains_any"
                if rtarget.is_empty() =>
            {
                bad(
                    cx,
                    at,
                    format!("Operator {operand:?} requires an RTarget"),
                    "set `value`",
                );
            }
            "=" | "==" | "is" | "!=" | "not" | "<" | "<=" | ">" | ">=" | "set_contains"
            | "set_contains_all" | "set_contains_any" | "regexp" | "version" | "semver" => {}
            other => bad(
                cx,
                span_or(&a.operand, at),
                format!("Unknown affinity operator {other:?}"),
                "use an operator Nomad knows, such as =, regexp, set_contains_any",
            ),
        }
        if a.ltarget.as_ref().is_none_or(|l| l.is_empty()) {
            bad(
                cx,
                at,
                "No LTarget provided but is required".into(),
                "set `attribute`",
            );
        }
        if let Some(w) = &a.weight {
            if w.inner == 0 {
                bad(
                    cx,
                    w.span,
                    "Affinity weight cannot be zero".into(),
                    "use a weight from -100 to 100, not 0",
                );
            } else if !(-100..=100).contains(&w.inner) {
                bad(
                    cx,
                    w.span,
                    "Affinity weight must be within the range [-100,100]".into(),
                    "use a weight from -100 to 100",
                );
            }
        }
    }
    for (i, s) in spreads.iter().enumerate() {
        let at = head(s.span, "spread");
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Spread,
                span,
                format!("Spread {} validation failed: {message}", i + 1),
                "invalid spread",
                help,
            );
        };
        if s.attribute.as_ref().is_none_or(|a| a.is_empty()) {
            bad(cx, at, "Missing spread attribute".into(), "set `attribute`");
        }
        if let Some(w) = &s.weight {
            if w.inner <= 0 || w.inner > 100 {
                bad(
                    cx,
                    w.span,
                    "Spread block must have a positive weight from 0 to 100".into(),
                    "use a weight from 1 to 100",
                );
            }
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut sum: u32 = 0;
        for t in &s.spread_target {
            let value = text(&t.value).unwrap_or("");
            if !seen.insert(value) {
                bad(
                    cx,
                    span_or(&t.value, t.span),
                    format!("Spread target value {value:?} already defined"),
                    "give each target a different value",
                );
            }
            let percent = t.percent.as_deref().copied().unwrap_or(0);
            if percent > 100 {
                bad(
                    cx,
                    span_or(&t.percent, t.span),
                    format!(
                        "Spread target percentage for value {value:?} must be between 0 and 100"
                    ),
                    "use 0 to 100",
                );
            }
            sum += u32::from(percent);
        }
        if sum > 100 {
            bad(
                cx,
                at,
                format!(
                    "Sum of spread target percentages must not be greater than 100%; got {sum}%"
                ),
                "make the percentages add up to 100 or less",
            );
        }
    }
}

/// A go-version / semver constraint: comma-separated `[op] version` terms.
fn valid_version_constraint(s: &str) -> bool {
    !s.trim().is_empty()
        && s.split(',').all(|term| {
            let term = term.trim();
            let version = term.trim_start_matches(['=', '!', '>', '<', '~', '^', ' ']);
            !version.is_empty()
                && version
                    .trim_start_matches('v')
                    .split(['.', '-', '+'])
                    .next()
                    .is_some_and(|major| {
                        major.chars().all(|c| c.is_ascii_digit()) && !major.is_empty()
                    })
        })
}

/// The group's update strategy, merged over the job's and the API defaults.
fn update_strategy(cx: &mut Checker, job: &Job, group: &Spanned<TaskGroup>) {
    use crate::model::Duration;
    let (j, g) = (job.update.as_ref(), group.update.as_ref());
    let at = g.map_or_else(
        || j.map_or(group.span, |u| head(u.span, "update")),
        |u| head(u.span, "update"),
    );
    macro_rules! pick {
        ($field:ident, $default:expr) => {
            g.and_then(|u| u.$field.as_ref())
                .or_else(|| j.and_then(|u| u.$field.as_ref()))
                .map_or(($default, at), |v| (v.inner.clone(), v.span))
        };
    }
    let (health, health_at) = pick!(health_check, "checks".to_owned());
    let (max_parallel, mp_at) = pick!(max_parallel, 1);
    let (canary, canary_at) = pick!(canary, 0);
    let (auto_promote, ap_at) = pick!(auto_promote, false);
    let (min_healthy, mh_at) = pick!(min_healthy_time, Duration::from_secs(10));
    let (healthy, hd_at) = pick!(healthy_deadline, Duration::from_secs(300));
    let (progress, pd_at) = pick!(progress_deadline, Duration::from_secs(600));
    let (stagger, st_at) = pick!(stagger, Duration::from_secs(30));
    let bad = |cx: &mut Checker, span, message: String, help: &str| {
        cx.report(
            Code::UpdateStrategy,
            span,
            message,
            "invalid update strategy",
            help,
        );
    };
    if !["checks", "task_states", "manual"].contains(&health.as_str()) {
        bad(
            cx,
            health_at,
            format!("Invalid health check given: {health:?}"),
            "use checks, task_states or manual",
        );
    }
    if max_parallel < 0 {
        bad(
            cx,
            mp_at,
            format!("Max parallel can not be less than zero: {max_parallel} < 0"),
            "use 0 or more",
        );
    }
    if canary < 0 {
        bad(
            cx,
            canary_at,
            format!("Canary count can not be less than zero: {canary} < 0"),
            "use 0 or more",
        );
    }
    if canary == 0 && auto_promote {
        bad(
            cx,
            ap_at,
            "Auto Promote requires a Canary count greater than zero".into(),
            "set `canary`, or remove `auto_promote`",
        );
    }
    if min_healthy.0 < 0 {
        bad(
            cx,
            mh_at,
            format!("Minimum healthy time may not be less than zero: {min_healthy}"),
            "use a positive duration",
        );
    }
    if healthy.0 <= 0 {
        bad(
            cx,
            hd_at,
            format!("Healthy deadline must be greater than zero: {healthy}"),
            "use a positive duration",
        );
    }
    if progress.0 < 0 {
        bad(
            cx,
            pd_at,
            format!("Progress deadline must be zero or greater: {progress}"),
            "use 0 (no deadline) or a positive duration",
        );
    }
    if min_healthy >= healthy {
        bad(
            cx,
            mh_at,
            format!(
                "Minimum healthy time must be less than healthy deadline: {min_healthy} > {healthy}"
            ),
            "raise `healthy_deadline` or lower `min_healthy_time`",
        );
    }
    if progress.0 != 0 && healthy >= progress {
        bad(
            cx,
            hd_at,
            format!("Healthy deadline must be less than progress deadline: {healthy} > {progress}"),
            "raise `progress_deadline` or lower `healthy_deadline`",
        );
    }
    if stagger.0 <= 0 {
        bad(
            cx,
            st_at,
            format!("Stagger must be greater than zero: {stagger}"),
            "use a positive duration",
        );
    }
}

/// A restart policy, the task's merged over the group's over the job type's defaults.
fn restart_policy(
    cx: &mut Checker,
    kind: &str,
    group: Option<&Spanned<crate::model::RestartPolicy>>,
    task: Option<&Spanned<crate::model::RestartPolicy>>,
) {
    use crate::model::Duration;
    // The block written last wins: a task's block, else the group's.
    let Some(own) = task.or(group) else { return };
    let service = matches!(kind, "service" | "system");
    let at = head(own.span, "restart");
    macro_rules! pick {
        ($field:ident, $default:expr) => {
            task.and_then(|r| r.$field.as_ref())
                .or_else(|| group.and_then(|r| r.$field.as_ref()))
                .map_or($default, |v| v.inner.clone())
        };
    }
    let mode = pick!(mode, "fail".to_owned());
    let attempts = pick!(attempts, if service { 2 } else { 3 });
    let interval = pick!(
        interval,
        Duration::from_secs(if service { 1800 } else { 86_400 })
    );
    let delay = pick!(delay, Duration::from_secs(15));
    let bad = |cx: &mut Checker, message: String, help: &str| {
        cx.report(
            Code::RestartPolicy,
            at,
            message,
            "invalid restart policy",
            help,
        );
    };
    if !["delay", "fail"].contains(&mode.as_str()) {
        bad(
            cx,
            format!("Unsupported restart mode: {mode:?}"),
            "use \"delay\" or \"fail\"",
        );
    }
    if attempts == 0 && mode != "fail" {
        bad(
            cx,
            format!("Restart policy {mode:?} with {attempts} attempts is ambiguous"),
            "use `mode = \"fail\"` with 0 attempts",
        );
    }
    if interval < Duration::from_secs(5) {
        bad(
            cx,
            format!("Interval can not be less than 5s (got {interval})"),
            "use an interval of 5s or more",
        );
    }
    if i128::from(attempts) * i128::from(delay.0) > i128::from(interval.0) {
        bad(
            cx,
            format!(
                "Nomad can't restart the TaskGroup {attempts} times in an interval of {interval} with a delay of {delay}"
            ),
            "lower `attempts` or `delay`, or raise `interval`",
        );
    }
}

fn task_rules(
    cx: &mut Checker,
    job: &Job,
    group: &Spanned<TaskGroup>,
    volumes: &Names<'_>,
    task: &Spanned<Task>,
    disk_mb: i64,
) {
    let tname = text(&task.name).unwrap_or("");
    let at = span_or(&task.name, head(task.span, "task"));
    for d in [&task.kill_timeout, &task.shutdown_delay]
        .into_iter()
        .flatten()
    {
        if d.inner.0 < 0 {
            cx.report(
                Code::NegativeDuration,
                d.span,
                "KillTimeout and ShutdownDelay must be positive values",
                "negative",
                "use a positive duration",
            );
        }
    }
    if text(&job.r#type).unwrap_or("service") == "service" {
        let progress = group
            .update
            .as_ref()
            .and_then(|u| u.progress_deadline.as_ref())
            .or(job
                .update
                .as_ref()
                .and_then(|u| u.progress_deadline.as_ref()))
            .map_or(crate::model::Duration::from_secs(600), |p| p.inner);
        if let Some(kill) = &task.kill_timeout {
            if progress.0 > 0 && kill.inner > progress {
                cx.report(
                    Code::KillTimeout,
                    kill.span,
                    format!(
                        "KillTimout ({}) longer than the group's ProgressDeadline ({progress})",
                        kill.inner
                    ),
                    "longer than the deployment's progress deadline",
                    "shorten `kill_timeout`, or raise the group's `progress_deadline`",
                );
            }
        }
    }
    if let Some(r) = &task.resources {
        resources(cx, r);
    }
    if let Some(logs) = &task.log_config {
        let files = logs.max_files.as_deref().copied().unwrap_or(10);
        let size = logs.max_file_size_mb.as_deref().copied().unwrap_or(10);
        let lat = head(logs.span, "logs");
        if files < 1 {
            cx.report(
                Code::Logs,
                span_or(&logs.max_files, lat),
                format!("minimum number of files is 1; got {files}"),
                "too few",
                "keep at least 1 file",
            );
        }
        if size < 1 {
            cx.report(
                Code::Logs,
                span_or(&logs.max_file_size_mb, lat),
                format!("minimum file size is 1MB; got {size}"),
                "too small",
                "use at least 1 MB",
            );
        }
        if disk_mb <= files * size {
            cx.report(Code::Logs, lat, format!("log storage ({} MB) must be less than requested disk capacity ({disk_mb} MB)", files * size), "logs do not fit the group's disk", "lower `max_files` or `max_file_size`, or raise the group's `ephemeral_disk { size }`");
        }
    }
    let mut destinations: HashMap<&str, usize> = HashMap::new();
    for (i, t) in task.templates.iter().enumerate() {
        template(cx, t, i + 1);
        let dest = text(&t.dest_path).unwrap_or("");
        if let Some(first) = seen_before(&mut destinations, dest, i + 1) {
            cx.report(
                Code::Template,
                span_or(&t.dest_path, head(t.span, "template")),
                format!("Template {} has same destination as {first}", i + 1),
                "same destination",
                "render each template to its own file",
            );
        }
    }
    for (i, vm) in task.volume_mounts.iter().enumerate() {
        if let Some(v) = &vm.volume {
            if group.volumes.get(v).is_none() {
                let help = cx.suggest(v, volumes, || {
                    "declare it in the group: `volume \"<name>\" { ... }`".to_owned()
                });
                cx.report(
                    Code::VolumeMount,
                    v.span,
                    format!("Volume Mount ({i}) references undefined volume {}", v.inner),
                    "no such volume in the group",
                    help,
                );
            }
        }
    }
    let mut secrets: HashSet<&str> = HashSet::new();
    for s in &task.secrets {
        let name = text(&s.name).unwrap_or("");
        if !secrets.insert(name) {
            cx.report(
                Code::Secret,
                span_or(&s.name, head(s.span, "secret")),
                format!("Duplicate secret {name:?} found"),
                "second secret of this name",
                "give each secret a different name",
            );
        }
        if text(&s.provider) == Some("vault") && task.vault.is_none() {
            cx.report(
                Code::Secret,
                span_or(&s.provider, head(s.span, "secret")),
                format!("Secret {name:?} has provider \"vault\" but no vault block"),
                "no vault block",
                "add a `vault` block to the task, group or job",
            );
        }
    }
    let mut actions: HashSet<&str> = HashSet::new();
    for a in &task.actions {
        let name = text(&a.name).unwrap_or("");
        if !actions.insert(name) {
            cx.report(
                Code::Action,
                span_or(&a.name, head(a.span, "action")),
                format!("Action {name} defined multiple times"),
                "second action of this name",
                "give each action a different name",
            );
        }
    }
    for (i, a) in task.artifacts.iter().enumerate() {
        let aat = head(a.span, "artifact");
        let bad = |cx: &mut Checker, span, message: &str, help: &str| {
            cx.report(
                Code::Artifact,
                span,
                format!("Artifact {} validation failed: {message}", i + 1),
                "invalid artifact",
                help,
            );
        };
        if a.getter_source.as_ref().is_none_or(|s| s.is_empty()) {
            bad(cx, aat, "source must be specified", "set `source`");
        }
        if let Some(mode) = &a.getter_mode {
            if !["any", "file", "dir", ""].contains(&mode.as_str()) {
                bad(
                    cx,
                    mode.span,
                    &format!(
                        "invalid artifact mode {:?}; must be one of: any, file, dir",
                        mode.inner
                    ),
                    "use any, file or dir",
                );
            }
        }
        if let Some(dest) = &a.relative_dest {
            if escapes_alloc_dir(dest) {
                bad(
                    cx,
                    dest.span,
                    "destination escapes allocation directory",
                    "keep `destination` inside the task directory",
                );
            }
        }
    }
    if let Some(vault) = &task.vault {
        let mode = text(&vault.change_mode).unwrap_or("restart");
        let vat = span_or(&vault.change_mode, head(vault.span, "vault"));
        if !["signal", "noop", "restart"].contains(&mode) {
            cx.report(
                Code::Vault,
                vat,
                format!("Vault validation failed: Unknown change mode {mode:?}"),
                "unknown change mode",
                "use noop, restart or signal",
            );
        } else if mode == "signal" && vault.change_signal.is_none() {
            cx.report(Code::Vault, vat, "Vault validation failed: Signal must be specified when using change mode \"signal\"", "no `change_signal`", "set `change_signal`, e.g. \"SIGHUP\"");
        }
    }
    if let Some(csi) = &task.csi_plugin_config {
        let cat = head(csi.span, "csi_plugin");
        if csi.id.as_ref().is_none_or(|i| i.is_empty()) {
            cx.report(
                Code::CsiPlugin,
                cat,
                "CSIPluginConfig must have a non-empty PluginID",
                "no `id`",
                "set `id`",
            );
        }
        let t = text(&csi.r#type).unwrap_or("");
        if !["node", "controller", "monolith"].contains(&t) {
            cx.report(Code::CsiPlugin, span_or(&csi.r#type, cat), format!("CSIPluginConfig PluginType must be one of 'node', 'controller', or 'monolith', got: {t:?}"), "unknown plugin type", "use node, controller or monolith");
        }
    }
    let _ = (tname, at);
}

fn resources(cx: &mut Checker, r: &Spanned<crate::model::Resources>) {
    let at = head(r.span, "resources");
    let cpu = r.cpu.as_ref();
    let cores = r.cores.as_deref().copied().unwrap_or(0);
    let bad = |cx: &mut Checker, span, message: String, help: &str| {
        cx.report(Code::Resources, span, message, "invalid resources", help);
    };
    if cores > 0 && cpu.is_some_and(|c| c.inner > 0) {
        bad(
            cx,
            span_or(&r.cores, at),
            "Task can only ask for 'cpu' or 'cores' resource, not both.".into(),
            "keep `cpu` or `cores`",
        );
    }
    if cores < 0 {
        bad(
            cx,
            span_or(&r.cores, at),
            format!("cores value ({cores}) cannot be negative"),
            "use 0 or more",
        );
    }
    if let Some(c) = cpu {
        if c.inner < 1 && cores == 0 {
            bad(
                cx,
                c.span,
                format!("minimum CPU value is 1; got {}", c.inner),
                "use at least 1 MHz",
            );
        }
    }
    let memory = r.memory_mb.as_deref().copied().unwrap_or(300);
    if let Some(m) = &r.memory_mb {
        if m.inner < 10 {
            bad(
                cx,
                m.span,
                format!("minimum MemoryMB value is 10; got {}", m.inner),
                "use at least 10 MB",
            );
        }
    }
    if let Some(d) = &r.disk_mb {
        if d.inner > 0 {
            bad(cx, d.span, "Task can't ask for disk resources, they have to be specified at the task group level.".into(), "move it to the group: `ephemeral_disk { size = ... }`");
        }
    }
    if let Some(max) = &r.memory_max_mb {
        if max.inner != 0 && max.inner != -1 && max.inner < memory {
            bad(
                cx,
                max.span,
                format!(
                    "MemoryMaxMB value ({}) should be larger than MemoryMB value ({memory})",
                    max.inner
                ),
                "raise `memory_max` above `memory`",
            );
        }
    }
    if let Some(s) = &r.secrets_mb {
        if s.inner > memory {
            bad(
                cx,
                s.span,
                format!(
                    "SecretsMB value ({}) cannot be larger than MemoryMB value ({memory})",
                    s.inner
                ),
                "lower `secrets`, or raise `memory`",
            );
        }
    }
}

fn template(cx: &mut Checker, t: &Spanned<crate::model::Template>, index: usize) {
    let at = head(t.span, "template");
    let bad = |cx: &mut Checker, span, message: String, help: &str| {
        cx.report(
            Code::Template,
            span,
            format!("Template {index} validation failed: {message}"),
            "invalid template",
            help,
        );
    };
    if t.source_path.is_none() && t.embedded_tmpl.is_none() {
        bad(
            cx,
            at,
            "Must specify a source path or have an embedded template".into(),
            "set `source` or `data`",
        );
    }
    match &t.dest_path {
        None => bad(
            cx,
            at,
            "Must specify a destination for the template".into(),
            "set `destination`, e.g. \"local/config.yml\"",
        ),
        Some(d) if escapes_alloc_dir(d) => bad(
            cx,
            d.span,
            "destination escapes allocation directory".into(),
            "keep `destination` inside the task directory",
        ),
        Some(_) => {}
    }
    let mode = text(&t.change_mode).unwrap_or("restart");
    match mode {
        "noop" | "restart" => {}
        "signal" => {
            if t.change_signal.is_none() {
                bad(
                    cx,
                    span_or(&t.change_mode, at),
                    "Must specify signal value when change mode is signal".into(),
                    "set `change_signal`, e.g. \"SIGHUP\"",
                );
            }
            if t.envvars.as_deref() == Some(&true) {
                bad(
                    cx,
                    span_or(&t.envvars, at),
                    "cannot use signals with env var templates".into(),
                    "use `change_mode = \"restart\"` with `env = true`",
                );
            }
        }
        "script" => {
            if t.change_script.is_none() {
                bad(
                    cx,
                    span_or(&t.change_mode, at),
                    "must specify change script configuration value when change mode is script"
                        .into(),
                    "add a `change_script` block",
                );
            }
        }
        other => bad(
            cx,
            span_or(&t.change_mode, at),
            format!("Invalid template change mode {other:?}"),
            "use noop, restart, signal or script",
        ),
    }
    if let Some(s) = &t.splay {
        if s.inner.0 < 0 {
            bad(
                cx,
                s.span,
                "Must specify positive splay value".into(),
                "use a positive duration",
            );
        }
    }
    if let Some(p) = &t.perms {
        if u16::from_str_radix(p, 8).map_or(true, |v| v > 0o7777) {
            bad(
                cx,
                p.span,
                format!("Failed to parse {:?} as octal", p.inner),
                "write an octal mode such as \"0644\"",
            );
        }
    }
    if let Some(w) = &t.wait {
        if let (Some(min), Some(max)) = (&w.min, &w.max) {
            if min.inner > max.inner {
                bad(
                    cx,
                    min.span,
                    format!("wait min {} is greater than max {}", min.inner, max.inner),
                    "make `min` no more than `max`",
                );
            }
        }
    }
}

/// Whether a template destination, relative to the task directory, leaves the allocation
/// directory (`../../x`).
fn escapes_alloc_dir(dest: &str) -> bool {
    if dest.starts_with('/') || dest.contains("${") {
        return false;
    }
    // The task directory is <alloc>/<task>; one `..` reaches the allocation directory.
    let mut depth: i32 = 1;
    for part in dest.split('/') {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// Scaling, migrate, disconnect and reschedule rules of a group.
fn group_policies(cx: &mut Checker, kind: &str, group: &Spanned<TaskGroup>) {
    use crate::model::Duration;
    if let Some(scaling) = &group.scaling {
        let sat = head(scaling.span, "scaling");
        let bad = |cx: &mut Checker, span, message: &str, help: &str| {
            cx.report(
                Code::Scaling,
                span,
                format!("Scaling policy invalid: {message}"),
                "invalid scaling policy",
                help,
            );
        };
        let count = group.count.as_deref().copied();
        let min = scaling.min.as_deref().copied().or(count).unwrap_or(1);
        if let Some(max) = &scaling.max {
            if max.inner < 0 {
                bad(
                    cx,
                    max.span,
                    "maximum count must be specified and non-negative",
                    "use 0 or more",
                );
            } else if max.inner < min {
                bad(
                    cx,
                    max.span,
                    "maximum count must not be less than minimum count",
                    "raise `max` to at least `min`",
                );
            }
            if let Some(c) = &group.count {
                if max.inner < c.inner {
                    bad(
                        cx,
                        c.span,
                        "task group count must not be greater than maximum count in scaling policy",
                        "lower `count`, or raise `max`",
                    );
                }
            }
        }
        if min < 0 {
            bad(
                cx,
                span_or(&scaling.min, sat),
                "minimum count must be specified and non-negative",
                "use 0 or more",
            );
        }
        if let (Some(c), Some(m)) = (&group.count, &scaling.min) {
            if c.inner < m.inner {
                bad(
                    cx,
                    c.span,
                    "task group count must not be less than minimum count in scaling policy",
                    "raise `count`, or lower `min`",
                );
            }
        }
    }
    if let Some(m) = group.migrate.as_ref().filter(|_| kind == "service") {
        let mat = head(m.span, "migrate");
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Migrate,
                span,
                message,
                "invalid migrate strategy",
                help,
            );
        };
        if let Some(p) = m.max_parallel.as_ref().filter(|p| p.inner < 0) {
            bad(
                cx,
                p.span,
                format!("MaxParallel must be >= 0 but found {}", p.inner),
                "use 0 or more",
            );
        }
        if let Some(h) = &m.health_check {
            if !["checks", "task_states"].contains(&h.as_str()) {
                bad(
                    cx,
                    h.span,
                    format!("Invalid HealthCheck: {:?}", h.inner),
                    "use checks or task_states",
                );
            }
        }
        let min = m
            .min_healthy_time
            .as_ref()
            .map_or(Duration::from_secs(10), |d| d.inner);
        let deadline = m
            .healthy_deadline
            .as_ref()
            .map_or(Duration::from_secs(300), |d| d.inner);
        if min.0 < 0 || deadline.0 < 0 {
            bad(
                cx,
                mat,
                "MinHealthyTime and HealthyDeadline must be >= 0".into(),
                "use positive durations",
            );
        } else if min > deadline {
            bad(
                cx,
                span_or(&m.min_healthy_time, mat),
                "MinHealthyTime must be less than HealthyDeadline".into(),
                "lower `min_healthy_time`, or raise `healthy_deadline`",
            );
        }
    }
    if let Some(d) = &group.disconnect {
        let dat = head(d.span, "disconnect");
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Disconnect,
                span,
                message,
                "invalid disconnect strategy",
                help,
            );
        };
        if let Some(stop) = &d.stop_on_client_after {
            if stop.inner.0 < 0 {
                bad(
                    cx,
                    stop.span,
                    "stop_after cannot be a negative duration".into(),
                    "use a positive duration",
                );
            }
            if !matches!(kind, "service" | "batch") {
                bad(
                    cx,
                    stop.span,
                    "stop_after can only be used with service or batch job types".into(),
                    "remove `stop_on_client_after`",
                );
            }
            if d.lost_after.as_ref().is_some_and(|l| l.inner.0 != 0) {
                bad(
                    cx,
                    dat,
                    "Disconnect cannot be configured with both lost_after and stop_after".into(),
                    "keep `lost_after` or `stop_on_client_after`",
                );
            }
        }
        if let Some(lost) = d.lost_after.as_ref().filter(|l| l.inner.0 < 0) {
            bad(
                cx,
                lost.span,
                "lost_after cannot be a negative duration".into(),
                "use a positive duration",
            );
        }
        if let Some(r) = &d.reconcile {
            const OPTIONS: &[&str] = &[
                "best_score",
                "longest_running",
                "keep_original",
                "keep_replacement",
                "",
            ];
            if !OPTIONS.contains(&r.as_str()) {
                let help = super::suggest(r, OPTIONS, || {
                    "use best_score, longest_running, keep_original or keep_replacement".to_owned()
                });
                bad(
                    cx,
                    r.span,
                    format!("reconcile option is invalid: {}", r.inner),
                    &help,
                );
            }
        }
    }
    if let Some(r) = group
        .reschedule_policy
        .as_ref()
        .filter(|_| !matches!(kind, "system" | "sysbatch"))
    {
        let rat = head(r.span, "reschedule");
        let attempts = r.attempts.as_deref().copied().unwrap_or(0);
        let unlimited = r.unlimited.as_deref().copied().unwrap_or(false);
        if attempts <= 0 && !unlimited {
            return;
        }
        let bad = |cx: &mut Checker, span, message: String, help: &str| {
            cx.report(
                Code::Reschedule,
                span,
                message,
                "invalid reschedule policy",
                help,
            );
        };
        if attempts > 0 && unlimited {
            bad(
                cx,
                rat,
                "If Attempts >0, Unlimited cannot also be set to true".into(),
                "remove `attempts`, or `unlimited`",
            );
        }
        if let Some(delay) = r.delay.as_ref().filter(|d| d.inner < Duration::SECOND) {
            bad(
                cx,
                delay.span,
                format!("Delay cannot be less than 1s (got {})", delay.inner),
                "use 1s or more",
            );
        }
        if let Some(f) = &r.delay_function {
            if !["constant", "exponential", "fibonacci"].contains(&f.as_str()) {
                bad(
                    cx,
                    f.span,
                    format!(
                        "Invalid delay function {:?}, must be one of [\"constant\" \"exponential\" \"fibonacci\"]",
                        f.inner
                    ),
                    "use constant, exponential or fibonacci",
                );
            }
        }
        if !unlimited {
            if let Some(interval) = r
                .interval
                .as_ref()
                .filter(|i| i.inner < Duration::from_secs(15))
            {
                bad(
                    cx,
                    interval.span,
                    format!("Interval cannot be less than 15s (got {})", interval.inner),
                    "use 15s or more",
                );
            }
        }
    }
}
