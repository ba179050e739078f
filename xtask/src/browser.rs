//! Finding headless Chromium and ChromeDriver for the browser tests, installing Debian's when
//! they are missing and we are root.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

pub struct Chrome {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn found() -> Option<Chrome> {
    Some(Chrome {
        chromium: find("chromium")?,
        chromedriver: find("chromedriver")?,
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn ensure_installed() -> Result<Chrome> {
    if let Some(chrome) = found() {
        return Ok(chrome);
    }
    if !is_root() || find("apt-get").is_none() {
        bail!(
            "the browser tests need Chromium and ChromeDriver. On Debian or Ubuntu install them with\n\
             \n    sudo apt-get install chromium chromium-driver\n\n\
             (or put `chromium` and `chromedriver` on PATH) and run `cargo xtask test` again."
        );
    }
    eprintln!("xtask: installing Debian's chromium and chromium-driver for the browser tests");
    for args in [
        &["update", "-qq"][..],
        &["install", "-y", "-qq", "chromium", "chromium-driver"][..],
    ] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get")?;
        if !status.success() {
            bail!("apt-get {} failed", args.join(" "));
        }
    }
    found().context("chromium was installed but is not on PATH")
}
