#include "gofer/policy.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <utility>

namespace kekkai::gofer {

namespace {

// What no sandbox sees of the host (DESIGN.md). The sandbox has its own /proc, /sys
// and /dev.
constexpr std::string_view kHidden[] = {
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers*",
    "/etc/ssh/*_key",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/proc",
    "/sys",
    "/dev",
};

// Trees hidden except for the caller's cwd (and the way to it): users' files, and
// the host's /run and /tmp (the sandbox will have its own) — a program run from a
// scratch folder there can still read its own files.
constexpr std::string_view kPrivateTrees[] = {"/home", "/root", "/run", "/tmp", "/var/tmp"};

// Splits a normalized absolute path into its components.
std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    while (pos < path.size() && path[pos] == '/') ++pos;
    if (pos == path.size()) break;
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// Whether `path` is `dir` or lies below it (both normalized).
bool IsAtOrUnder(std::string_view path, std::string_view dir) {
  if (!path.starts_with(dir)) return false;
  return path.size() == dir.size() || dir == "/" || path[dir.size()] == '/';
}

}  // namespace

Result<std::string> Policy::Normalize(std::string_view path) {
  if (path.empty() || path.front() != '/') return Errno(EINVAL);
  if (path.find('\0') != std::string_view::npos) return Errno(EINVAL);
  std::string out;
  for (std::string_view c : Components(path)) {
    if (c == "." || c == "..") return Errno(EINVAL);
    out += '/';
    out += c;
  }
  if (out.empty()) return std::string("/");
  return out;
}

Result<Policy> Policy::Create(Options opts) {
  Policy p;
  for (std::string_view h : kHidden) p.AddRule(h, /*private_tree=*/false);
  for (std::string_view h : kPrivateTrees) p.AddRule(h, /*private_tree=*/true);
  for (const std::string& a : opts.private_aliases) {
    ASSIGN_OR_RETURN(std::string n, Normalize(a));
    if (n == "/") return Errno(EINVAL);
    p.AddRule(n, /*private_tree=*/true);
  }
  for (const std::string& h : opts.extra_hidden) {
    ASSIGN_OR_RETURN(std::string n, Normalize(h));
    if (n == "/") return Errno(EINVAL);
    p.AddRule(n, /*private_tree=*/false);
  }
  if (!opts.visible_home_dir.empty()) {
    ASSIGN_OR_RETURN(std::string v, Normalize(opts.visible_home_dir));
    const std::vector<std::string_view> vc = Components(v);
    bool inside_private = false;
    for (const Rule& r : p.rules_) {
      if (r.private_tree && Matches(r, vc)) inside_private = true;
    }
    // Elsewhere nothing is hidden that the exception could show.
    if (inside_private) p.visible_home_dir_ = std::move(v);
  }
  return p;
}

void Policy::AddRule(std::string_view path, bool private_tree) {
  Rule r;
  for (std::string_view c : Components(path)) {
    if (c.find_first_of("*?[") != std::string_view::npos) r.has_pattern = true;
    r.components.emplace_back(c);
  }
  r.private_tree = private_tree;
  rules_.push_back(std::move(r));
}

bool Policy::Matches(const Rule& rule, const std::vector<std::string_view>& path) {
  if (path.size() < rule.components.size()) return false;
  for (size_t i = 0; i < rule.components.size(); ++i) {
    const std::string& want = rule.components[i];
    if (!rule.has_pattern) {
      if (path[i] != want) return false;
      continue;
    }
    // fnmatch needs a NUL-terminated name; components are at most NAME_MAX long.
    const std::string name(path[i]);
    if (fnmatch(want.c_str(), name.c_str(), 0) != 0) return false;
  }
  return true;
}

bool Policy::IsShownHome(std::string_view path) const {
  if (visible_home_dir_.empty()) return false;
  // On the way to the visible directory, or inside it.
  return IsAtOrUnder(visible_home_dir_, path) || IsAtOrUnder(path, visible_home_dir_);
}

bool Policy::IsHidden(std::string_view path) const {
  const std::vector<std::string_view> components = Components(path);
  if (components.empty()) return false;
  for (const Rule& r : rules_) {
    if (!Matches(r, components)) continue;
    if (r.private_tree && IsShownHome(path)) continue;
    return true;
  }
  return false;
}

bool Policy::IsVisibleType(uint32_t mode) {
  return S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode);
}

}  // namespace kekkai::gofer
