// FileServer: Getdents. Lists a directory in batches that fit one message, leaving
// out what the sentry may not see: hidden paths, device nodes, FIFOs, sockets and
// mount points of kernel pseudo-filesystems.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "gofer/file_server.h"
#include "gofer/pseudo_fs.h"

namespace kekkai::gofer {

namespace {

// getdents64(2)'s record.
struct LinuxDirent64 {
  uint64_t ino;
  int64_t off;
  uint16_t reclen;
  uint8_t type;
  char name[];
};

// Room for entries in one reply.
constexpr size_t kMaxEntryBytes = kMaxMessageSize - sizeof(ReplyHeader) - sizeof(GetdentsReply);

}  // namespace

Result<void> FileServer::HandleGetdents(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const GetdentsRequest req, in.Get<GetdentsRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  if (req.cookie > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
  if (!dir->dir_stream.valid()) {
    dir->dir_stream.reset(
        openat(dir->fd.get(), ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir->dir_stream.valid()) return LastErrno();
  }
  const int fd = dir->dir_stream.get();
  if (lseek(fd, static_cast<off_t>(req.cookie), SEEK_SET) < 0) return LastErrno();

  MessageWriter& out = reply.body();
  const size_t header_at = out.size();
  out.Put(GetdentsReply{});
  const size_t entries_at = out.size();
  GetdentsReply result{req.cookie, 0, 0};
  alignas(LinuxDirent64) char buf[32 * 1024];
  bool full = false;
  while (!full) {
    const ssize_t n = getdents64(fd, buf, sizeof(buf));
    if (n < 0) return LastErrno();
    if (n == 0) {
      result.end = 1;
      break;
    }
    for (ssize_t pos = 0; pos < n;) {
      const auto* d = reinterpret_cast<const LinuxDirent64*>(buf + pos);
      pos += d->reclen;
      const std::string_view name(d->name);
      if (name == "." || name == "..") {
        result.next_cookie = static_cast<uint64_t>(d->off);
        continue;
      }
      if (out.size() - entries_at + sizeof(WireDirent) + sizeof(uint16_t) + name.size() >
          kMaxEntryBytes) {
        full = true;  // this entry starts the next batch
        break;
      }
      result.next_cookie = static_cast<uint64_t>(d->off);
      if (IsHidden(dir->tree, ChildPath(*dir, name))) continue;
      uint8_t type = d->type;
      uint64_t ino = d->ino;
      if (type == DT_UNKNOWN || type == DT_DIR) {
        // A directory may be a mount point: look at what is mounted there.
        struct stat st;
        if (fstatat(dir->fd.get(), d->name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = static_cast<uint8_t>(IFTODT(st.st_mode));
        ino = st.st_ino;
        if (S_ISDIR(st.st_mode) && st.st_dev != dir->dev) {
          FileDescriptor sub(openat(dir->fd.get(), d->name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
          struct statfs sfs;
          if (!sub.valid() || fstatfs(sub.get(), &sfs) != 0 || IsRefusedFilesystem(sfs.f_type)) {
            continue;
          }
        }
      }
      if (type != DT_REG && type != DT_DIR && type != DT_LNK) continue;
      WireDirent wd{};
      wd.ino = ino;
      wd.type = type;
      out.Put(wd);
      out.PutString(name);
      ++result.count;
    }
  }
  out.PutAt(header_at, result);
  return Ok();
}

}  // namespace kekkai::gofer
