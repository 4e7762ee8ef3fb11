//! Compiled components on disk, keyed by the component's SHA-256 and the engine's
//! compatibility hash, so a restart (or another replica) skips Cranelift.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

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

    /// The component and its SHA-256 (hex).
    pub fn component(&self, engine: &Engine, bytes: &[u8]) -> anyhow::Result<(Component, String)> {
        let sha = hex::encode(Sha256::digest(bytes));
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, bytes)?, sha));
        };
        // DefaultHasher::new() has fixed keys: stable for one build of the host, which
        // is all the cache needs (wasmtime re-checks compatibility on load anyway).
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let path = dir.join(format!("{sha}-{:016x}.cwasm", hasher.finish()));
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this engine
            // configuration into a directory owned by the host; a stale or foreign
            // file fails wasmtime's header check and is recompiled below.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, sha)),
                Err(e) => tracing::warn!("recompiling {}: {e:#}", path.display()),
            }
        }
        let component = Component::new(engine, bytes)?;
        let serialized = component.serialize()?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, serialized)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok((component, sha))
    }
}
