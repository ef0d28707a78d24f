//! Files: written atomically (a temporary file beside the destination,
//! renamed into place on success), read with the path in every error.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file written next to its destination and renamed into place by
/// [`AtomicFile::commit`], so that readers never see a half-written file.
/// Dropped without `commit`, it removes the temporary file.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates the temporary file in the destination's folder.
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile> {
        let path = path.as_ref().to_path_buf();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".to_string());
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let tmp_name = format!(".{name}.{}.tmp", std::process::id());
        let tmp = match dir {
            Some(d) => d.join(tmp_name),
            None => PathBuf::from(tmp_name),
        };
        let file = std::fs::File::create(&tmp).map_err(|source| Error::Io {
            path: tmp.clone(),
            source,
        })?;
        register_temporary(&tmp, true);
        Ok(AtomicFile {
            path,
            tmp,
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        if let Some(file) = self.file.take() {
            let file = file
                .into_inner()
                .map_err(|e| e.into_error())
                .map_err(io_err(&self.tmp))?;
            file.sync_all().map_err(io_err(&self.tmp))?;
        }
        let renamed = std::fs::rename(&self.tmp, &self.path).map_err(io_err(&self.path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        register_temporary(&self.tmp, false);
        renamed
    }
}

/// Temporary files of [`AtomicFile`]s not yet committed or dropped.
static TEMPORARY_FILES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_temporary(path: &Path, add: bool) {
    let mut files = TEMPORARY_FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if add {
        files.push(path.to_path_buf());
    } else if let Some(i) = files.iter().position(|p| p == path) {
        files.swap_remove(i);
    }
}

/// Removes the temporary files of every [`AtomicFile`] of this process not
/// yet committed. For a signal handler (Ctrl-C, SIGTERM) that is about to
/// exit the process, so that an interrupted job leaves nothing behind; the
/// destination files are never touched.
pub fn remove_temporary_files() {
    let files = TEMPORARY_FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for f in files.iter() {
        let _ = std::fs::remove_file(f);
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
            register_temporary(&self.tmp, false);
        }
    }
}

/// Writes `contents` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: impl AsRef<Path>, contents: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let mut f = AtomicFile::create(path)?;
    f.write_all(contents).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    f.commit()
}

/// Reads a whole file to a string, naming the file on error.
pub fn read_to_string(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
