//! One run: the policy file, the input, the engine, the output written beside and renamed into place.

use super::*;

/// Reads a policy file, or the default policy.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, CliError> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::io(&format!("cannot read {}", p.display()), e))?;
            Policy::from_json(&text).map_err(|issues| {
                let lines: Vec<String> = issues.iter().map(|i| format!("  {i}")).collect();
                CliError::input(format!(
                    "{}: the policy is invalid:\n{}",
                    p.display(),
                    lines.join("\n")
                ))
            })
        }
    }
}

/// Wall-clock time of each phase of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub read: Duration,
    pub classify: Duration,
    pub write: Duration,
}

/// The whole command. Returns the summary (printed to stderr by the caller).
pub fn run(
    input: &Path,
    policy: Option<&Path>,
    output: Option<&Path>,
) -> Result<(Summary, Timings), CliError> {
    let started = Instant::now();
    let policy = load_policy(policy)?;
    let data = std::fs::read(input)
        .map_err(|e| CliError::io(&format!("cannot read {}", input.display()), e))?;
    let parsed = read_input(&data)?;
    drop(data);
    let mut timings = Timings {
        read: started.elapsed(),
        ..Timings::default()
    };
    let started = Instant::now();
    let mut out = Outcomes::default();
    let summary = classify_all(&policy, &parsed.population, parsed.managers, &mut out);
    timings.classify = started.elapsed();
    let started = Instant::now();
    match output {
        None => {
            let stdout = std::io::stdout();
            write_output(&parsed, &out, stdout.lock())
                .map_err(|e| CliError::io("cannot write to stdout", e))?;
        }
        Some(path) => {
            let tmp = temp_path(path);
            let result = std::fs::File::create(&tmp)
                .and_then(|f| write_output(&parsed, &out, f))
                .and_then(|()| std::fs::rename(&tmp, path));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(CliError::io(&format!("cannot write {}", path.display()), e));
            }
        }
    }
    timings.write = started.elapsed();
    Ok((summary, timings))
}

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}
