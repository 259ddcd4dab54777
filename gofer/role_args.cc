#include "gofer/role_args.h"

#include <charconv>

namespace kekkai::gofer {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

std::string Encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == ',') {
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (s.size() - i < 3) return Errno(EINVAL);
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return Errno(EINVAL);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

std::string FormatTreeArg(const TreeSpec& spec) {
  std::string out = spec.read_only ? "ro" : "rw";
  out += spec.policy.has_value() ? ",policy" : ",nopolicy";
  if (spec.policy.has_value()) {
    const Policy::Options& o = *spec.policy;
    if (!o.visible_home_dir.empty()) out += ",home=" + Encode(o.visible_home_dir);
    for (const std::string& h : o.extra_hidden) out += ",hide=" + Encode(h);
    for (const std::string& a : o.private_aliases) out += ",alias=" + Encode(a);
  }
  out += ',';
  out += spec.path;
  return out;
}

Result<TreeSpec> ParseTreeArg(std::string_view arg) {
  TreeSpec spec;
  size_t field = 0;
  for (;;) {
    if (arg.empty()) return Errno(EINVAL);
    if (arg.front() == '/') {
      if (field < 2) return Errno(EINVAL);
      spec.path = std::string(arg);
      return spec;
    }
    const size_t comma = arg.find(',');
    if (comma == std::string_view::npos) return Errno(EINVAL);
    const std::string_view f = arg.substr(0, comma);
    arg.remove_prefix(comma + 1);
    if (field == 0) {
      if (f != "ro" && f != "rw") return Errno(EINVAL);
      spec.read_only = f == "ro";
    } else if (field == 1) {
      if (f == "policy") {
        spec.policy.emplace();
      } else if (f != "nopolicy") {
        return Errno(EINVAL);
      }
    } else {
      if (!spec.policy.has_value()) return Errno(EINVAL);
      Policy::Options& o = *spec.policy;
      if (f.starts_with("home=")) {
        ASSIGN_OR_RETURN(o.visible_home_dir, Decode(f.substr(5)));
      } else if (f.starts_with("hide=")) {
        ASSIGN_OR_RETURN(std::string h, Decode(f.substr(5)));
        o.extra_hidden.push_back(std::move(h));
      } else if (f.starts_with("alias=")) {
        ASSIGN_OR_RETURN(std::string a, Decode(f.substr(6)));
        o.private_aliases.push_back(std::move(a));
      } else {
        return Errno(EINVAL);
      }
    }
    ++field;
  }
}

std::vector<std::string> FormatRoleArgs(int sock_fd, const std::vector<TreeSpec>& trees) {
  std::vector<std::string> out;
  out.push_back("--sock-fd=" + std::to_string(sock_fd));
  for (const TreeSpec& t : trees) out.push_back("--tree=" + FormatTreeArg(t));
  return out;
}

Result<RoleArgs> ParseRoleArgs(const std::vector<std::string_view>& args, std::string* error) {
  RoleArgs out;
  for (std::string_view a : args) {
    if (a.starts_with("--sock-fd=")) {
      const std::string_view v = a.substr(10);
      int fd = -1;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
      if (ec != std::errc() || end != v.data() + v.size() || fd < 0) {
        *error = "bad --sock-fd: " + std::string(v);
        return Errno(EINVAL);
      }
      out.sock_fd = fd;
    } else if (a.starts_with("--tree=")) {
      Result<TreeSpec> t = ParseTreeArg(a.substr(7));
      if (!t.ok()) {
        *error = "bad --tree: " + std::string(a.substr(7));
        return Errno(EINVAL);
      }
      out.trees.push_back(std::move(t).value());
    } else {
      *error = "unknown argument: " + std::string(a);
      return Errno(EINVAL);
    }
  }
  if (out.sock_fd < 0) {
    *error = "missing --sock-fd";
    return Errno(EINVAL);
  }
  if (out.trees.empty()) {
    *error = "no --tree";
    return Errno(EINVAL);
  }
  return out;
}

}  // namespace kekkai::gofer
