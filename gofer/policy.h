// Policy: which host paths a sandbox may see (DESIGN.md, "What `kekkai run` shows of
// the host by default"). Pure path logic over canonical guest paths — no host calls —
// so the gofer (which enforces it) and the sentry share one set of rules. Moved here
// from fs/hostview/, whose copy goes with the host view.
#ifndef KEKKAI_GOFER_POLICY_H_
#define KEKKAI_GOFER_POLICY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kekkai::gofer {

class Policy {
 public:
  struct Options {
    // A directory inside a private tree (/home, /root, /run, /tmp, /var/tmp or an
    // alias of them) to show
    // anyway, read-only, with the directories on the way to it: the caller's cwd.
    // Empty, or a directory outside the private trees: nothing more is shown.
    std::string visible_home_dir;
    // More paths to hide, each with everything below it. A component may be an
    // fnmatch(3) pattern ("/etc/ssh/*_key").
    std::vector<std::string> extra_hidden;
    // Where the host's /home or /root really are when they are symlinks (Fedora
    // Silverblue: /home -> var/home): hidden as they are, with the same exception
    // for visible_home_dir.
    std::vector<std::string> private_aliases;
  };

  // Returns the policy for `opts`. EINVAL when a path is not absolute or has "." or
  // ".." components.
  static Result<Policy> Create(Options opts);

  // Returns whether the entry at `path` (a canonical absolute guest path: no
  // symlinks, ".", ".." or repeated slashes) is hidden: it then does not exist for
  // the guest, and is left out of directory listings.
  bool IsHidden(std::string_view path) const;

  // Returns whether a host entry of type `mode` (st_mode) may be shown at all:
  // regular files, directories and symlinks only, so a guest can never open a host
  // FIFO, socket or device.
  static bool IsVisibleType(uint32_t mode);

  // Returns `path` with repeated and trailing slashes removed; EINVAL unless it is
  // absolute and free of "." and ".." components.
  static Result<std::string> Normalize(std::string_view path);

 private:
  struct Rule {
    // The components of the hidden path ("etc", "ssh", "*_key").
    std::vector<std::string> components;
    // Whether a component holds an fnmatch(3) pattern (else components compare as strings).
    bool has_pattern = false;
    // Whether visible_home_dir may show part of the tree (/home, /root).
    bool private_tree = false;
  };

  Policy() = default;
  void AddRule(std::string_view path, bool private_tree);
  static bool Matches(const Rule& rule, const std::vector<std::string_view>& path);
  // Whether `path` is on the way to visible_home_dir or inside it.
  bool IsShownHome(std::string_view path) const;

  std::vector<Rule> rules_;
  std::string visible_home_dir_;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_POLICY_H_
