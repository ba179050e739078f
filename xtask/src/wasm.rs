//! Compiling a WebAssembly app: cargo for wasm32, wasm-bindgen as a library, then binaryen's
//! wasm-opt (built from source by the `wasm-opt` crate, binaryen 116: Debian's 108 mangles
//! the reference types current Rust emits).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use wasm_opt::{Feature, OptimizationOptions};

/// The cargo profile the apps are built with (see the workspace `Cargo.toml`).
pub const PROFILE: &str = "wasm-release";
pub const TARGET: &str = "wasm32-unknown-unknown";

/// What wasm-bindgen wrote for one app.
pub struct Bindings {
    /// The ES module to import.
    pub js: PathBuf,
    /// The optimised module it instantiates.
    pub wasm: PathBuf,
    /// `snippets/` with JS that crates inline, imported relative to `js`, if any.
    pub snippets: Option<PathBuf>,
}

/// Builds the packages for the browser in one cargo call (they share most dependencies).
pub fn compile(root: &Path, packages: &[&str]) -> Result<PathBuf> {
    ensure_target()?;
    let mut args = vec!["build", "--profile", PROFILE, "--target", TARGET];
    for package in packages {
        args.extend(["-p", package]);
    }
    crate::cargo(root, &args)?;
    Ok(target_dir(root)?.join(TARGET).join(PROFILE))
}

/// `rust-toolchain.toml` lists the target, but rustup only installs it on its own when it
/// installs the whole toolchain; add it to an existing toolchain here.
fn ensure_target() -> Result<()> {
    let sysroot = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .context("running rustc --print sysroot")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
        return Ok(());
    }
    let status = std::process::Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .context("running rustup target add")?;
    anyhow::ensure!(status.success(), "rustup target add {TARGET} failed");
    Ok(())
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR`, or `target/` in the workspace.
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            root.join(dir)
        });
    }
    Ok(root.join("target"))
}

/// Runs wasm-bindgen (`--target web`) and wasm-opt on one compiled app.
pub fn bind_and_optimise(compiled: &Path, name: &str, out_dir: &Path) -> Result<Bindings> {
    let input = compiled.join(format!("{}.wasm", name.replace('-', "_")));
    std::fs::create_dir_all(out_dir)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .web(true)?
        .typescript(false)
        .out_name(name)
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen on {}", input.display()))?;
    let wasm = out_dir.join(format!("{name}_bg.wasm"));
    OptimizationOptions::new_optimize_for_size_aggressively()
        // PRONTO_KEEP_NAMES=1 keeps function names in the optimised module, so that
        // `twiggy top dist/assets/pronto-*_bg.wasm` can say what the download is made of.
        .debug_info(std::env::var_os("PRONTO_KEEP_NAMES").is_some())
        // What rustc's wasm32 target emits today, and every current browser runs.
        .enable_feature(Feature::ReferenceTypes)
        .enable_feature(Feature::BulkMemory)
        .enable_feature(Feature::SignExt)
        .enable_feature(Feature::TruncSat)
        .enable_feature(Feature::MutableGlobals)
        .enable_feature(Feature::Multivalue)
        .run(&wasm, &wasm)
        .with_context(|| format!("wasm-opt on {}", wasm.display()))?;
    let snippets = out_dir.join("snippets");
    Ok(Bindings {
        js: out_dir.join(format!("{name}.js")),
        wasm,
        snippets: snippets.is_dir().then_some(snippets),
    })
}
