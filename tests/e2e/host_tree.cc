#include "tests/e2e/host_tree.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace kekkai::tests::e2e {

namespace {

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string ReadFileOr(const std::string& path, const std::string& missing) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return missing;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  return n < 0 ? "<" + std::string(strerror(errno)) + ">"
               : std::string(buf, static_cast<size_t>(n));
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::vector<std::string> todo = {""};
  while (!todo.empty()) {
    const std::string rel = todo.back();
    todo.pop_back();
    const std::string path = rel.empty() ? dir : dir + "/" + rel;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      out[rel] = std::string("lstat: ") + strerror(errno);
      continue;
    }
    std::ostringstream s;
    s << std::oct << st.st_mode << std::dec << " uid " << st.st_uid << " gid " << st.st_gid
      << " size " << st.st_size << " nlink " << st.st_nlink << " ino " << st.st_ino << " mtime "
      << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " ctime " << st.st_ctim.tv_sec << "."
      << st.st_ctim.tv_nsec;
    if (S_ISREG(st.st_mode) && st.st_size <= kSnapshotContentLimit) {
      s << " data " << std::hex << Fnv1a(ReadFileOr(path));
    }
    if (S_ISLNK(st.st_mode)) s << " -> " << ReadLink(path);
    out[rel] = s.str();
    if (S_ISDIR(st.st_mode)) {
      DIR* d = opendir(path.c_str());
      if (d == nullptr) continue;
      while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        todo.push_back(rel.empty() ? name : rel + "/" + name);
      }
      closedir(d);
    }
  }
  return out;
}

std::string Diff(const std::map<std::string, std::string>& before,
                 const std::map<std::string, std::string>& after) {
  std::string out;
  for (const auto& [k, v] : before) {
    auto it = after.find(k);
    if (it == after.end()) {
      out += "gone: " + k + "\n";
    } else if (it->second != v) {
      out += "changed: " + k + "\n";
    }
  }
  for (const auto& [k, v] : after) {
    if (before.find(k) == before.end()) out += "new: " + k + "\n";
  }
  return out;
}

}  // namespace kekkai::tests::e2e
