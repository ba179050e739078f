//! Finding headless Chromium and ChromeDriver for the browser tests, installing Debian's when
//! they are missing and we are root; and the tools that come from npm: axe-core, the
//! accessibility checker the tests inject into pages, and terser, which shrinks the scripts.

use std::path::{Path, PathBuf};
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
    apt_install(&["chromium", "chromium-driver"])?;
    found().context("chromium was installed but is not on PATH")
}

/// The axe-core release the accessibility tests run; pinned so a new rule cannot turn the
/// suite red on its own.
const AXE_CORE: &str = "axe-core@4.14.1";
/// The terser release that minifies the apps' JavaScript; pinned so a build is repeatable.
const TERSER: &str = "terser@5.51.4";

/// `axe.min.js`, installed from npm into `dir` on first use.
pub fn ensure_axe(dir: &Path) -> Result<PathBuf> {
    ensure_npm_package(dir, AXE_CORE, "axe-core/axe.min.js")
}

/// terser's command-line script (run it with `node`), installed from npm into `dir` on first use.
pub fn ensure_terser(dir: &Path) -> Result<PathBuf> {
    ensure_npm_package(dir, TERSER, "terser/bin/terser")
}

/// `node`, which runs terser; it comes with npm.
pub fn node() -> Result<PathBuf> {
    find("node").context("node is missing; it comes with npm (apt-get install npm)")
}

/// `file` of the npm package `spec` (`name@version`), installed into `dir` on first use (with
/// Debian's npm if there is none and we are root). npm fetches from the registry only:
/// both packages are plain JavaScript, nothing prebuilt.
fn ensure_npm_package(dir: &Path, spec: &str, file: &str) -> Result<PathBuf> {
    let script = dir.join("node_modules").join(file);
    let version = dir.join("installed");
    if script.is_file() && std::fs::read_to_string(&version).ok().as_deref() == Some(spec) {
        return Ok(script);
    }
    if find("npm").is_none() {
        if !is_root() || find("apt-get").is_none() {
            bail!(
                "the build and tests need npm to fetch {spec}; install Node.js and npm and run \
                 cargo xtask again"
            );
        }
        eprintln!("xtask: installing Debian's npm to fetch {spec}");
        apt_install(&["npm"])?;
    }
    std::fs::create_dir_all(dir)?;
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(dir)
        .arg(spec)
        .status()
        .context("running npm")?;
    if !status.success() || !script.is_file() {
        bail!("npm install {spec} failed");
    }
    std::fs::write(&version, spec)?;
    Ok(script)
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    for args in [&["update", "-qq"][..], &install[..]] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get")?;
        if !status.success() {
            bail!("apt-get {} failed", args.join(" "));
        }
    }
    Ok(())
}
