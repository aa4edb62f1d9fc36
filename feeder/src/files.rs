//! Files and directories of a data set, with the modes ЄДДР's pickup may read and no one else.

use std::fs::{self, File};
use std::path::Path;

/// Data-set files are readable by the owner and its group (ЄДДР's pickup), never by others.
pub const FILE_MODE: u32 = 0o640;
/// Data-set directories: the same, plus traversal.
pub const DIR_MODE: u32 = 0o750;

/// A data-set file, created (or emptied) with [`FILE_MODE`], open for writing and reading.
pub(crate) fn create_file(path: &Path) -> std::io::Result<File> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    opts.open(path)
}

/// A data-set directory with [`DIR_MODE`].
pub(crate) fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(path)
}
