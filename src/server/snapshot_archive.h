// Snapshots as tar archives (libarchive): a snapshot directory streamed out as a tar for
// download, and an uploaded tar extracted safely into a fresh directory for import.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "vecdex/result.h"

namespace vecdex::server {

// Receives the archive in pieces; returns false to abort (the client went away).
using TarSink = std::function<bool(const char* data, size_t size)>;

// Writes every regular file directly in `dir` (sorted by name, no subdirectories) as a POSIX
// tar with entries at the archive's root, so that the download of a snapshot can be uploaded
// again as it is. Files are read in 64 KiB pieces; nothing is held whole in memory.
// IOError when a file cannot be read; Cancelled when `sink` returned false.
Status write_tar(const std::filesystem::path& dir, const TarSink& sink);

// Extracts the tar in `tar` into `dir` (an existing, empty directory). Accepts regular files
// and directories only: absolute paths, ".." components, symbolic and hard links, devices,
// FIFOs and duplicate entries are InvalidArgument naming the entry, as is anything that is not
// a tar archive. At most `max_entries` entries and `tar.size()` bytes of file data are written
// (a sparse entry cannot expand past the upload). On error `dir` may hold a partial tree.
Status extract_tar(std::string_view tar, const std::filesystem::path& dir,
                   size_t max_entries = 1000);

// Where the snapshot's MANIFEST is: `dir` itself, or its only subdirectory when the archive
// wrapped the files in one folder ("snap/MANIFEST"). Returns `dir` when neither holds one
// (the import then reports what is missing).
std::filesystem::path snapshot_root(const std::filesystem::path& dir);

}  // namespace vecdex::server
