#include "runtime/cli.h"

#include <cstdlib>

namespace kekkai::runtime {

const char* UsageText() {
  return "Usage: kekkai COMMAND [ARGS]\n"
         "\n"
         "kekkai runs untrusted Linux programs in a sandbox: every system call is\n"
         "serviced by kekkai's own kernel, never by the host's.\n"
         "\n"
         "Commands:\n"
         "  run [FLAGS] [--] PROGRAM [ARGS...]   run PROGRAM in a new sandbox\n"
         "  help                                  show this text\n"
         "  version                               show the version (also --version)\n"
         "\n"
         "Flags of run:\n"
         "  --platform=ptrace|auto   how guest syscalls are trapped (default: auto)\n"
         "  --strace                 print every guest syscall to stderr\n"
         "  --debug                  log sentry details to stderr\n"
         "  -e, --env K=V            set an environment variable (K alone: copy kekkai's)\n"
         "  -w, --cwd DIR            working directory inside the sandbox (absolute)\n"
         "  --rootfs DIR             serve host directory DIR as the sandbox's /\n"
         "                           (default: the host's /, minus private paths)\n"
         "  -v, --volume HOST:GUEST[:ro]\n"
         "                           mount host directory HOST at GUEST, writable unless :ro\n"
         "                           (writes reach the host)\n"
         "  --overlay=none           serve the rootfs writable (changes reach the host);\n"
         "                           by default the rootfs is read-only below an in-sandbox\n"
         "                           overlay: the guest can change anything, the host\n"
         "                           stays unchanged, and the changes go with the sandbox\n"
         "\n"
         "Exit status: the program's; 128+N if it died of signal N; 125 if kekkai\n"
         "failed; 126 if PROGRAM can't be executed; 127 if it wasn't found.\n";
}

namespace {

bool TakeValue(const std::vector<std::string>& args, size_t* i, const std::string& flag,
               std::string* value, std::string* error) {
  const std::string& a = args[*i];
  if (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 && a[flag.size()] == '=') {
    *value = a.substr(flag.size() + 1);
    return true;
  }
  if (*i + 1 >= args.size()) {
    *error = "flag " + flag + " needs a value";
    return false;
  }
  *value = args[++*i];
  return true;
}

bool Matches(const std::string& a, const std::string& flag) {
  return a == flag || (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0);
}

Result<RunOptions> ParseRun(const std::vector<std::string>& args, size_t start,
                            std::string* error) {
  RunOptions o;
  size_t i = start;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-' || a == "-") break;
    std::string v;
    if (Matches(a, "--platform")) {
      if (!TakeValue(args, &i, "--platform", &v, error)) return Errno(EINVAL);
      if (v != "ptrace" && v != "auto") {
        *error = "unknown platform \"" + v + "\" (known: ptrace, auto)";
        return Errno(EINVAL);
      }
      o.platform = v;
      o.platform_given = true;
    } else if (a == "--strace") {
      o.strace = true;
    } else if (a == "--debug") {
      o.debug = true;
    } else if (Matches(a, "--env") || a == "-e" || (a.size() > 2 && a.compare(0, 2, "-e") == 0)) {
      if (a.size() > 2 && a[1] == 'e') {
        v = a.substr(2);
      } else if (!TakeValue(args, &i, a == "-e" ? "-e" : "--env", &v, error)) {
        return Errno(EINVAL);
      }
      if (v.empty() || v[0] == '=') {
        *error = "invalid environment variable \"" + v + "\"";
        return Errno(EINVAL);
      }
      o.env.push_back(v);
    } else if (Matches(a, "--cwd") || a == "-w") {
      if (!TakeValue(args, &i, a == "-w" ? "-w" : "--cwd", &v, error)) return Errno(EINVAL);
      if (v.empty() || v[0] != '/') {
        *error = "the working directory must be an absolute path: \"" + v + "\"";
        return Errno(EINVAL);
      }
      o.cwd = v;
    } else if (Matches(a, "--rootfs")) {
      if (!TakeValue(args, &i, "--rootfs", &v, error)) return Errno(EINVAL);
      if (v.empty() || v[0] != '/') {
        *error = "--rootfs needs an absolute path: \"" + v + "\"";
        return Errno(EINVAL);
      }
      o.rootfs = v;
    } else if (Matches(a, "--volume") || a == "-v") {
      if (!TakeValue(args, &i, a == "-v" ? "-v" : "--volume", &v, error)) return Errno(EINVAL);
      RunOptions::Volume vol;
      std::string spec = v;
      if (spec.size() > 3 && spec.compare(spec.size() - 3, 3, ":ro") == 0) {
        vol.read_only = true;
        spec.resize(spec.size() - 3);
      } else if (spec.size() > 3 && spec.compare(spec.size() - 3, 3, ":rw") == 0) {
        spec.resize(spec.size() - 3);
      }
      const size_t colon = spec.find(':');
      if (colon == std::string::npos) {
        *error = "--volume needs HOST:GUEST[:ro], got \"" + v + "\"";
        return Errno(EINVAL);
      }
      vol.host = spec.substr(0, colon);
      vol.guest = spec.substr(colon + 1);
      if (vol.host.empty() || vol.host[0] != '/' || vol.guest.empty() || vol.guest[0] != '/' ||
          vol.guest.find(':') != std::string::npos) {
        *error = "--volume needs absolute HOST:GUEST paths, got \"" + v + "\"";
        return Errno(EINVAL);
      }
      o.volumes.push_back(std::move(vol));
    } else if (Matches(a, "--overlay")) {
      if (!TakeValue(args, &i, "--overlay", &v, error)) return Errno(EINVAL);
      if (v != "none") {
        *error = "unknown --overlay \"" + v + "\" (known: none)";
        return Errno(EINVAL);
      }
      o.overlay_none = true;
    } else {
      *error = "unknown flag " + a + " (see 'kekkai help')";
      return Errno(EINVAL);
    }
  }
  for (; i < args.size(); ++i) o.argv.push_back(args[i]);
  if (o.argv.empty()) {
    *error = "run: no program given (usage: kekkai run [FLAGS] [--] PROGRAM [ARGS...])";
    return Errno(EINVAL);
  }
  return o;
}

}  // namespace

Result<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args, std::string* error) {
  ParsedCommand p;
  if (args.empty()) {
    *error = "no command given (see 'kekkai help')";
    return Errno(EINVAL);
  }
  const std::string& cmd = args[0];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    p.command = Command::kHelp;
  } else if (cmd == "version" || cmd == "--version") {
    p.command = Command::kVersion;
  } else if (cmd == "run") {
    p.command = Command::kRun;
    ASSIGN_OR_RETURN(p.run, ParseRun(args, 1, error));
  } else if (!cmd.empty() && cmd[0] == '-') {
    *error = "unknown flag " + cmd + " (see 'kekkai help')";
    return Errno(EINVAL);
  } else {
    *error = "unknown command \"" + cmd + "\" (see 'kekkai help')";
    return Errno(EINVAL);
  }
  return p;
}

}  // namespace kekkai::runtime
