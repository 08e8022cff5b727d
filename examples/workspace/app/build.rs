// Probes the compiler with autocfg, a build-dependency: it runs at build time and is not linked into ws-app.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(modern_rustc)");
    let ac = autocfg::new();
    if ac.probe_rustc_version(1, 60) {
        println!("cargo:rustc-cfg=modern_rustc");
    }
    autocfg::rerun_path("build.rs");
}
