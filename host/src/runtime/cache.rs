//! Compiled components on disk, keyed by the component's SHA-256 and the engine's
//! compatibility hash, so a restart (or another replica) skips Cranelift.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Clone)]
pub struct CompiledCache {
    dir: Option<PathBuf>,
}

impl CompiledCache {
    pub fn new(dir: Option<PathBuf>) -> Self {
        if let Some(Err(e)) = dir.as_ref().map(std::fs::create_dir_all) {
            tracing::warn!("compiled-component cache disabled: {e}");
            return CompiledCache { dir: None };
        }
        CompiledCache { dir }
    }

    fn path(&self, engine: &Engine, sha: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        // DefaultHasher::new() has fixed keys: stable for one build of the host, which
        // is all the cache needs (wasmtime re-checks compatibility on load anyway).
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Some(dir.join(format!("{sha}-{:016x}.cwasm", hasher.finish())))
    }

    /// The SHA-256 (hex) of a component's bytes: its cache key.
    pub fn sha256(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// The compiled component if the cache holds it (no Cranelift: cheap).
    pub fn cached(&self, engine: &Engine, sha: &str) -> Option<Component> {
        let path = self.path(engine, sha)?;
        if !path.exists() {
            return None;
        }
        // SAFETY: the file was written by `Component::serialize` of this engine
        // configuration into a directory owned by the host; a stale or foreign file
        // fails wasmtime's header check and is recompiled.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => Some(component),
            Err(e) => {
                tracing::warn!("recompiling {}: {e:#}", path.display());
                None
            }
        }
    }

    /// Compiles the component (costly: Cranelift) and keeps it for next time.
    pub fn compile(&self, engine: &Engine, bytes: &[u8], sha: &str) -> anyhow::Result<Component> {
        let component = Component::new(engine, bytes)?;
        let Some(path) = self.path(engine, sha) else {
            return Ok(component);
        };
        let serialized = component.serialize()?;
        let tmp = path.with_file_name(format!(".{sha}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, serialized)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(component)
    }
}
