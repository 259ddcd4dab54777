// Reading host files and trees from the e2e tests: a file's content, a link's
// target, and a snapshot of a whole tree to tell whether anything in it changed
// (what every "the host stays unchanged" test compares).
#ifndef KEKKAI_TESTS_E2E_HOST_TREE_H_
#define KEKKAI_TESTS_E2E_HOST_TREE_H_

#include <map>
#include <string>

namespace kekkai::tests::e2e {

// Returns the whole content of `path`, or `missing` when it can't be opened.
std::string ReadFileOr(const std::string& path, const std::string& missing = "<missing>");
// Returns the target of symlink `path`, or "<strerror>".
std::string ReadLink(const std::string& path);

// Files up to this size are snapshotted by content too; bigger ones (a host may
// keep gigabytes under /usr/local) by size, mtime and ctime, which any write
// reaching the host changes.
inline constexpr long kSnapshotContentLimit = 1 << 20;

// Returns one line per entry below `dir` (and `dir` itself, as ""): type and
// mode, owner, size, link count, inode, mtime, ctime, and a hash of the content
// (see kSnapshotContentLimit) or the link target — anything a write reaching
// the host would change. Never follows a symlink.
std::map<std::string, std::string> Snapshot(const std::string& dir);

// Reports the entries that differ between two snapshots ("" when none):
// "gone: X", "changed: X", "new: X", one a line.
std::string Diff(const std::map<std::string, std::string>& before,
                 const std::map<std::string, std::string>& after);

}  // namespace kekkai::tests::e2e

#endif  // KEKKAI_TESTS_E2E_HOST_TREE_H_
