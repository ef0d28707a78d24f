//! Files: written atomically (an exclusive temporary file beside the
//! destination, renamed into place on success), appended under a lock, read
//! with the path in every error, and checked before a job starts so that no
//! output destroys an input or another output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A file written next to its destination and renamed into place by
/// [`AtomicFile::commit`], so that readers never see a half-written file.
/// Dropped without `commit`, it removes the temporary file.
///
/// The temporary file has an unpredictable name and is created exclusively
/// (never through an existing file or symbolic link), so nothing planted
/// beside the destination can redirect the output. The destination, when it
/// exists, must be a regular file: a device, a folder or a symbolic link is
/// refused ([`Error::OutputPath`]) rather than replaced.
///
/// ```
/// use std::io::Write;
/// use leadscore::data::files::AtomicFile;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// let mut f = AtomicFile::create(&path).unwrap();
/// f.write_all(b"hello").unwrap();
/// assert!(!path.exists(), "nothing at the destination before commit");
/// f.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello");
/// ```
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
}

impl AtomicFile {
    /// Creates the temporary file in the destination's folder.
    pub fn create(path: impl AsRef<Path>) -> Result<AtomicFile> {
        let path = path.as_ref().to_path_buf();
        check_destination(&path)?;
        let (file, tmp) = temporary_beside(&path, ".tmp")?;
        Ok(AtomicFile {
            path,
            tmp,
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let result = (|| {
            let file = file
                .into_inner()
                .map_err(|e| e.into_error())
                .map_err(io_err(&self.tmp))?;
            file.as_file().sync_all().map_err(io_err(&self.tmp))?;
            // The destination may have become a device or link meanwhile.
            check_destination(&self.path)?;
            // On failure the temporary file is removed when dropped.
            file.persist(&self.path)
                .map(|_| ())
                .map_err(|e| io_err(&self.path)(e.error))
        })();
        register_temporary(&self.tmp, false);
        result
    }
}

/// A new temporary file `.NAME.XXXXXX<suffix>` in `path`'s folder: an
/// unpredictable name, created exclusively (never through an existing file
/// or link), removed when dropped and, until then, by
/// [`remove_temporary_files`] on an interrupt.
fn temporary_beside(path: &Path, suffix: &str) -> Result<(tempfile::NamedTempFile, PathBuf)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    let file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(suffix)
        .tempfile_in(&dir)
        .map_err(io_err(&dir))?;
    let tmp = file.path().to_path_buf();
    register_temporary(&tmp, true);
    Ok((file, tmp))
}

/// Refuses a destination that exists and is not a regular file.
fn check_destination(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::OutputPath {
            path: path.to_path_buf(),
            reason: "it is a symbolic link; name the file itself".into(),
        }),
        Ok(meta) if meta.is_dir() => Err(Error::OutputPath {
            path: path.to_path_buf(),
            reason: "it is a folder".into(),
        }),
        Ok(meta) if !meta.is_file() => Err(Error::OutputPath {
            path: path.to_path_buf(),
            reason: "it exists and is not a regular file (a device, socket or pipe)".into(),
        }),
        _ => Ok(()),
    }
}

/// What a path names, to tell whether two paths are the same file: the
/// device and inode of an existing file, else the absolute path of the
/// folder it would be created in with its name.
#[derive(PartialEq, Eq)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(path: &Path) -> Identity {
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return Identity::Inode(meta.dev(), meta.ino());
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            if let Ok(p) = std::fs::canonicalize(path) {
                return Identity::Path(p);
            }
        }
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.and_then(|d| std::fs::canonicalize(d).ok()).or_else(|| {
        dir.is_none()
            .then(|| std::env::current_dir().ok())
            .flatten()
    });
    match (dir, path.file_name()) {
        (Some(d), Some(name)) => Identity::Path(d.join(name)),
        _ => Identity::Path(path.to_path_buf()),
    }
}

/// Checks the files of one job before it starts: no output may be one of
/// the `inputs` (also through another name, a hard or symbolic link), no two
/// outputs may be the same file, and an output that exists must be a
/// regular file. Returns [`Error::OutputPath`] naming the output.
///
/// ```
/// use leadscore::data::files::check_job_files;
/// let dir = tempfile::tempdir().unwrap();
/// let leads = dir.path().join("leads.csv");
/// std::fs::write(&leads, "id\n1\n").unwrap();
/// let scores = dir.path().join("scores.csv");
/// assert!(check_job_files(&[&leads], &[&scores]).is_ok());
/// assert!(check_job_files(&[&leads], &[&leads]).is_err(), "an output may not be an input");
/// assert!(check_job_files(&[&leads], &[&scores, &scores]).is_err(), "nor two outputs one file");
/// ```
pub fn check_job_files(inputs: &[&Path], outputs: &[&Path]) -> Result<()> {
    let inputs: Vec<(&Path, Identity)> = inputs
        .iter()
        .filter(|p| p.exists())
        .map(|p| (*p, identity(p)))
        .collect();
    let mut seen: Vec<(&Path, Identity)> = Vec::new();
    for &out in outputs {
        check_destination(out)?;
        let id = identity(out);
        if let Some((input, _)) = inputs.iter().find(|(_, i)| *i == id) {
            return Err(Error::OutputPath {
                path: out.to_path_buf(),
                reason: format!(
                    "it is an input of this job ({}); write the output elsewhere",
                    input.display()
                ),
            });
        }
        if let Some((other, _)) = seen.iter().find(|(_, i)| *i == id) {
            return Err(Error::OutputPath {
                path: out.to_path_buf(),
                reason: format!(
                    "another output of this job is written there too ({}); give each output its own file",
                    other.display()
                ),
            });
        }
        seen.push((out, id));
    }
    Ok(())
}

/// Lines staged in a temporary file beside a log and appended to the log,
/// under an exclusive advisory lock, only by [`StagedAppend::commit`]: so
/// that a failed job appends nothing, and jobs appending to the same log at
/// the same time never mix or lose lines. Each job stages in its own file.
/// Dropped without `commit`, it removes its staging file.
pub struct StagedAppend {
    staged: AtomicStaging,
    log: PathBuf,
}

/// The staging file of a [`StagedAppend`] (removed when dropped).
struct AtomicStaging {
    file: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
    tmp: PathBuf,
}

impl Drop for AtomicStaging {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            register_temporary(&self.tmp, false);
        }
    }
}

impl StagedAppend {
    /// Starts staging lines for `log` (created on commit if absent). The log,
    /// when it exists, must be a regular file.
    pub fn create(log: impl AsRef<Path>) -> Result<StagedAppend> {
        let log = log.as_ref().to_path_buf();
        if let Ok(meta) = std::fs::metadata(&log) {
            if !meta.is_file() {
                return Err(Error::OutputPath {
                    path: log,
                    reason: "it exists and is not a regular file".into(),
                });
            }
        }
        let (file, tmp) = temporary_beside(&log, ".pending")?;
        Ok(StagedAppend {
            staged: AtomicStaging {
                file: Some(std::io::BufWriter::new(file)),
                tmp,
            },
            log,
        })
    }

    /// Appends the staged lines to the log under an exclusive lock, syncs
    /// it, and removes the staging file.
    pub fn commit(mut self) -> Result<()> {
        let Some(file) = self.staged.file.take() else {
            return Ok(());
        };
        let result = (|| {
            let mut staged = file
                .into_inner()
                .map_err(|e| e.into_error())
                .map_err(io_err(&self.staged.tmp))?;
            use std::io::Seek;
            staged
                .as_file_mut()
                .rewind()
                .map_err(io_err(&self.staged.tmp))?;
            let mut to = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .map_err(io_err(&self.log))?;
            to.lock().map_err(io_err(&self.log))?;
            let copied = std::io::copy(staged.as_file_mut(), &mut to)
                .and_then(|_| to.sync_all())
                .map_err(io_err(&self.log));
            let _ = to.unlock();
            copied
        })();
        register_temporary(&self.staged.tmp, false);
        result
    }
}

impl Write for StagedAppend {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.staged.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("log already appended")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.staged.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
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
        // The temporary file removes itself when dropped.
        if self.file.take().is_some() {
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
