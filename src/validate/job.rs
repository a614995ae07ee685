//! Job, group and task rules (`Job.Validate`, `TaskGroup.Validate`, `Task.Validate`).

use super::{Checker, head, span_or, suggest, text};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Job, Task, TaskGroup};
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
    let mut seen: Vec<&Spanned<String>> = Vec::new();
    for (i, group) in job.task_groups.iter().enumerate() {
        let Some(name) = &group.name else { continue };
        if let Some(j) = seen.iter().position(|n| n.inner == name.inner) {
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
                .with_related(seen[j].span, "first defined here")
                .with_help("give each group a different name"),
            );
        }
        seen.push(name);
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
    let mut seen: Vec<&Spanned<String>> = Vec::new();
    for (i, task) in group.tasks.iter().enumerate() {
        if let Some(name) = &task.name {
            if let Some(j) = seen.iter().position(|n| n.inner == name.inner) {
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
                    .with_related(seen[j].span, "first defined here")
                    .with_help("give each task of the group a different name"),
                );
            }
            seen.push(name);
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
