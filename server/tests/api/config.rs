//! Bad configuration stops start-up with one line that names the variable.
use std::process::Command;

fn run_with(vars: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ecmo-referral-server"))
        .env_clear()
        .current_dir(dir.path())
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_nonsense_database_url_is_named_in_one_line() {
    let (code, stderr) = run_with(&[("ECMO_DEMO", "1"), ("ECMO_DATABASE_URL", "nonsense")]);
    assert_eq!(code, 2);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("ECMO_DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_bad_setting_is_reported_without_a_panic() {
    for (variable, value) in [
        ("ECMO_LISTEN_ADDR", "nowhere"),
        ("ECMO_SMTP_URL", "carrier-pigeon://coop"),
        ("ECMO_PUBLIC_URL", "not a url"),
        ("ECMO_CENTRE_PHONE", "ring ring"),
    ] {
        let (code, stderr) = run_with(&[("ECMO_DEMO", "1"), (variable, value)]);
        assert_eq!(code, 2, "{variable}");
        assert!(
            stderr.starts_with(&format!("configuration error: {variable}:")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn an_unreachable_database_is_a_clear_start_up_error() {
    let (code, stderr) = run_with(&[
        ("ECMO_DEMO", "1"),
        (
            "ECMO_DATABASE_URL",
            "postgres://nobody:secret@127.0.0.1:1/none",
        ),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("start-up failed:"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "no password in the message: {stderr}"
    );
    assert!(!stderr.contains("panicked"));
}
