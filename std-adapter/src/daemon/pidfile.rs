//! The locked pidfile of recipe 12.14.
//!
//! The book refuses to start when the pidfile merely *exists*, so a daemon killed
//! with `SIGKILL` blocks every later start until someone deletes the file by hand,
//! and two starts racing past the `exists` check both win. Here the file's
//! existence means nothing; its **lock** is the truth. The file is opened with
//! `O_CREAT` (never truncated on open), locked with `flock(LOCK_EX | LOCK_NB)`, and
//! the lock is held for the daemon's whole life:
//!
//! - a second start finds the lock taken and is refused;
//! - a file left behind by a killed daemon is unlocked (the kernel drops a lock when
//!   its holder dies), so it is recognised as stale and taken over;
//! - a path naming anything but a regular file (a device, a FIFO) is refused, and
//!   `O_NOFOLLOW` refuses a symbolic link, so no other file is ever truncated;
//! - after locking, the path is checked to still name the locked file (same device
//!   and inode), so a daemon that removed its pidfile between our `open` and our
//!   `flock` cannot leave two daemons each holding a lock on a different file.
//!
//! `flock` locks belong to the open file description, which `fork` shares: the lock
//! taken before detaching is the one the final daemon keeps.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{FlockArg, OFlag};

use super::DaemonError;

/// How often a start retries a taken lock before calling it "already running":
/// `status` probes the lock for an instant, and a start at that very instant
/// should not fail.
const BUSY_RETRIES: u32 = 5;
/// How often a start reopens a pidfile that was replaced while it was being locked.
const REPLACED_RETRIES: u32 = 8;

/// Takes or tests a `flock` lock without blocking; `Ok(false)` when another open
/// file description holds a conflicting lock.
///
/// nix's RAII `Flock` is not used on purpose: its `Drop` runs `LOCK_UN`, which would
/// release the lock for *every* process sharing the open file description, so the
/// original parent closing its copy after `fork` would unlock the daemon's pidfile.
/// A lock taken here is released only when the last descriptor sharing it closes,
/// which is exactly the daemon's exit.
pub(crate) fn try_flock(file: &File, arg: FlockArg) -> Result<bool, Errno> {
    #[allow(deprecated)] // see above: the RAII replacement unlocks on drop
    match nix::fcntl::flock(file.as_raw_fd(), arg) {
        Ok(()) => Ok(true),
        Err(Errno::EWOULDBLOCK) => Ok(false),
        Err(Errno::EINTR) => try_flock(file, arg),
        Err(e) => Err(e),
    }
}

/// Whether some process holds the lock of `file`'s pidfile. The probe takes and
/// drops a shared lock, so it never disturbs a holder.
pub(crate) fn is_locked(file: &File) -> Result<bool, Errno> {
    if try_flock(file, FlockArg::LockSharedNonblock)? {
        #[allow(deprecated)] // see `try_flock`
        let _ = nix::fcntl::flock(file.as_raw_fd(), FlockArg::Unlock);
        Ok(false)
    } else {
        Ok(true)
    }
}

/// The pid written in a pidfile: one decimal number, surrounding whitespace allowed.
/// `None` for an empty file (a daemon still starting) or anything that is not a pid
/// a signal may safely be sent to (0, 1 and negative numbers never are).
pub(crate) fn read_pid(file: &File) -> Option<u32> {
    let mut text = String::new();
    let mut f = file;
    f.seek(SeekFrom::Start(0)).ok()?;
    f.take(64).read_to_string(&mut text).ok()?;
    parse_pid(&text)
}

pub(crate) fn parse_pid(text: &str) -> Option<u32> {
    let pid: u32 = text.trim().parse().ok()?;
    (pid > 1 && i32::try_from(pid).is_ok()).then_some(pid)
}

/// Whether `path` still names the very file `file` has open.
pub(crate) fn same_file(path: &Path, file: &File) -> bool {
    match (fs::symlink_metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// A pidfile this process holds the exclusive lock of.
#[derive(Debug)]
pub(crate) struct LockedPidfile {
    path: PathBuf,
    file: File,
}

impl LockedPidfile {
    /// Creates (or opens) and locks the pidfile at `path`, made absolute first so it
    /// can be removed after the daemon changed directory. New files get mode
    /// `0o644` less the current umask.
    pub(crate) fn acquire(path: &Path) -> Result<Self, DaemonError> {
        let path = std::path::absolute(path).map_err(|e| DaemonError::pidfile(path, e))?;
        let mut replaced = 0;
        let mut busy = 0;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .custom_flags(OFlag::O_NOFOLLOW.bits())
                .open(&path)
                .map_err(|e| open_error(&path, e))?;
            // Never truncate, or on failure remove, a device or other special file.
            match file.metadata() {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => {
                    return Err(DaemonError::pidfile(
                        &path,
                        io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
                    ))
                }
                Err(e) => return Err(DaemonError::pidfile(&path, e)),
            }
            match try_flock(&file, FlockArg::LockExclusiveNonblock) {
                Ok(true) => {}
                Ok(false) if busy < BUSY_RETRIES => {
                    busy += 1;
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Ok(false) => {
                    return Err(DaemonError::AlreadyRunning {
                        pid: read_pid(&file),
                        path,
                    })
                }
                Err(e) => return Err(DaemonError::pidfile(&path, e.into())),
            }
            if same_file(&path, &file) {
                return Ok(LockedPidfile { path, file });
            }
            // Removed or replaced between open and flock: try the new file.
            replaced += 1;
            if replaced > REPLACED_RETRIES {
                return Err(DaemonError::pidfile(
                    &path,
                    io::Error::other("the file kept being replaced while it was being locked"),
                ));
            }
        }
    }

    /// The absolute path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the contents with `pid` and a newline.
    pub(crate) fn write_pid(&self, pid: u32) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.write_all_at(format!("{pid}\n").as_bytes(), 0)
    }

    /// Removes the file (if the path still names it), then closes it, which drops
    /// the lock: the order matters, so no other start can lock the file we are
    /// about to remove.
    pub(crate) fn remove(self) -> io::Result<()> {
        let result = if same_file(&self.path, &self.file) {
            match fs::remove_file(&self.path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        } else {
            Ok(())
        };
        drop(self.file);
        result
    }
}

/// Sorts an `open` failure: the directory's fault (missing, not a directory, not
/// writable) or the file's.
fn open_error(path: &Path, e: io::Error) -> DaemonError {
    let file_exists = fs::symlink_metadata(path).is_ok();
    let dir_fault = matches!(
        e.raw_os_error(),
        Some(nix::libc::ENOENT | nix::libc::ENOTDIR | nix::libc::EACCES | nix::libc::EROFS)
    );
    if dir_fault && !file_exists {
        DaemonError::PidfileDir {
            path: path.to_path_buf(),
            source: e,
        }
    } else {
        DaemonError::pidfile(path, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_pid_accepts_only_signalable_pids() {
        assert_eq!(parse_pid("1234\n"), Some(1234));
        assert_eq!(parse_pid("  77 "), Some(77));
        for bad in ["", "\n", "0", "1", "-5", "12x", "4294967295", "99999999999"] {
            assert_eq!(parse_pid(bad), None, "{bad:?}");
        }
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "spindle-pidfile-{tag}-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn lock_is_exclusive_and_released_on_remove() {
        let dir = temp_dir("lock");
        let path = dir.join("d.pid");
        let held = LockedPidfile::acquire(&path).unwrap();
        held.write_pid(4242).unwrap();
        match LockedPidfile::acquire(&path) {
            Err(DaemonError::AlreadyRunning { pid, .. }) => assert_eq!(pid, Some(4242)),
            other => panic!("expected AlreadyRunning, got {other:?}"),
        }
        let probe = File::open(&path).unwrap();
        assert!(is_locked(&probe).unwrap());
        held.remove().unwrap();
        assert!(!path.exists());
        // The probe's file is now unlinked and unlocked.
        assert!(!is_locked(&probe).unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_file_is_taken_over() {
        let dir = temp_dir("stale");
        let path = dir.join("d.pid");
        fs::write(&path, "31337\n").unwrap();
        let held = LockedPidfile::acquire(&path).unwrap();
        held.write_pid(5).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "5\n");
        held.remove().unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_a_directory_error() {
        let dir = temp_dir("missing");
        let path = dir.join("no/such/dir/d.pid");
        match LockedPidfile::acquire(&path) {
            Err(e @ DaemonError::PidfileDir { .. }) => {
                assert!(e.to_string().contains("does not exist"), "{e}");
            }
            other => panic!("expected PidfileDir, got {other:?}"),
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
