#include "gofer/policy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace kekkai::gofer {
namespace {

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

Policy::Options Opts(std::string visible = "", std::vector<std::string> extra = {},
                     std::vector<std::string> aliases = {}) {
  Policy::Options o;
  o.visible_home_dir = std::move(visible);
  o.extra_hidden = std::move(extra);
  o.private_aliases = std::move(aliases);
  return o;
}

Policy Make(Policy::Options opts = {}) {
  Result<Policy> p = Policy::Create(std::move(opts));
  EXPECT_TRUE(p.ok());
  return std::move(p).value();
}

TEST(PolicyTest, HidesTheSensitiveHostPaths) {
  const Policy p = Make();
  for (const char* path : {"/root",
                           "/root/.bashrc",
                           "/home",
                           "/home/me",
                           "/home/me/proj/file",
                           "/etc/shadow",
                           "/etc/shadow-",
                           "/etc/gshadow",
                           "/etc/gshadow-",
                           "/etc/sudoers",
                           "/etc/sudoers.d",
                           "/etc/sudoers.d/90-cloud",
                           "/etc/sudoers.bak",
                           "/etc/ssh/ssh_host_rsa_key",
                           "/etc/ssh/ssh_host_ed25519_key",
                           "/etc/ssh/my_key",
                           "/var/lib/docker",
                           "/var/lib/docker/overlay2/x",
                           "/var/lib/containerd",
                           "/proc",
                           "/proc/1/environ",
                           "/sys",
                           "/sys/kernel",
                           "/dev",
                           "/dev/sda",
                           "/run",
                           "/run/docker.sock",
                           "/tmp",
                           "/tmp/x",
                           "/var/tmp",
                           "/var/tmp/y"}) {
    EXPECT_TRUE(p.IsHidden(path)) << path;
  }
}

TEST(PolicyTest, ShowsTheRest) {
  const Policy p = Make();
  for (const char* path :
       {"/", "/etc", "/etc/passwd", "/etc/group", "/etc/shadowx", "/etc/ssh",
        "/etc/ssh/sshd_config", "/etc/ssh/ssh_host_rsa_key.pub", "/etc/ssh/keys/a_key", "/var",
        "/var/lib", "/var/lib/apt", "/var/lib/dockerx", "/usr/bin/python3", "/roots", "/homes",
        "/usr/tmp", "/usr/share/doc/root", "/opt/home"}) {
    EXPECT_FALSE(p.IsHidden(path)) << path;
  }
}

TEST(PolicyTest, ShowsTheVisibleHomeDirAndTheWayToIt) {
  const Policy p = Make(Opts("/home/me/proj"));
  for (const char* path : {"/home", "/home/me", "/home/me/proj", "/home/me/proj/src/a.c"}) {
    EXPECT_FALSE(p.IsHidden(path)) << path;
  }
  for (const char* path : {"/home/me/.ssh", "/home/me/.ssh/id_rsa", "/home/me/projx", "/home/other",
                           "/home/other/proj", "/home/mee", "/root"}) {
    EXPECT_TRUE(p.IsHidden(path)) << path;
  }
  // Other rules still apply on the way.
  EXPECT_TRUE(p.IsHidden("/etc/shadow"));
}

TEST(PolicyTest, VisibleHomeDirUnderRoot) {
  const Policy p = Make(Opts("//root/work/"));
  EXPECT_FALSE(p.IsHidden("/root"));
  EXPECT_FALSE(p.IsHidden("/root/work/x"));
  EXPECT_TRUE(p.IsHidden("/root/.ssh"));
  EXPECT_TRUE(p.IsHidden("/home"));
}

TEST(PolicyTest, ExtraHiddenPathsAndPatterns) {
  const Policy p = Make(Opts("", {"/opt/secret/", "/srv/*.pem"}));
  EXPECT_TRUE(p.IsHidden("/opt/secret"));
  EXPECT_TRUE(p.IsHidden("/opt/secret/a"));
  EXPECT_FALSE(p.IsHidden("/opt/secrets"));
  EXPECT_TRUE(p.IsHidden("/srv/tls.pem"));
  EXPECT_FALSE(p.IsHidden("/srv/tls.crt"));
  // Extra rules win over the visible home directory.
  const Policy q = Make(Opts("/home/me", {"/home/me/.aws"}));
  EXPECT_FALSE(q.IsHidden("/home/me/notes"));
  EXPECT_TRUE(q.IsHidden("/home/me/.aws/credentials"));
}

TEST(PolicyTest, PrivateAliasesAreHiddenLikeHome) {
  const Policy p = Make(Opts("/var/home/me/proj", {}, {"/var/home", "/var/roothome"}));
  EXPECT_TRUE(p.IsHidden("/var/home/other"));
  EXPECT_TRUE(p.IsHidden("/var/roothome/.bashrc"));
  EXPECT_FALSE(p.IsHidden("/var/home"));
  EXPECT_FALSE(p.IsHidden("/var/home/me/proj/x"));
  EXPECT_TRUE(p.IsHidden("/home"));
  EXPECT_FALSE(p.IsHidden("/var/lib"));
}

TEST(PolicyTest, RejectsBadOptions) {
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("home/me"))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("/home/me/../../etc"))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("", {"relative"}))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("", {"/"}))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("", {"/a/./b"}))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Create(Opts("", {}, {"//"}))), Errno(EINVAL));
}

TEST(PolicyTest, VisibleDirOutsideThePrivateTreesShowsNothingMore) {
  for (const char* v : {"/srv/proj", "/", "/homework", "/proc/1", "/dev"}) {
    SCOPED_TRACE(v);
    const Policy p = Make(Opts(v));
    EXPECT_TRUE(p.IsHidden("/home"));
    EXPECT_TRUE(p.IsHidden("/root/x"));
    EXPECT_TRUE(p.IsHidden("/tmp/x"));
    EXPECT_TRUE(p.IsHidden("/proc/1"));
    EXPECT_FALSE(p.IsHidden("/srv/proj"));
  }
}

TEST(PolicyTest, CwdUnderTheHostsTmpOrRunIsShownAndNothingElseThere) {
  for (const char* v : {"/tmp/ci/main/build", "/run/user/0/w", "/var/tmp/x"}) {
    SCOPED_TRACE(v);
    const Policy p = Make(Opts(v));
    EXPECT_FALSE(p.IsHidden(v));
    EXPECT_FALSE(p.IsHidden(std::string(v) + "/file"));
    EXPECT_TRUE(p.IsHidden(std::string(v) + "-sibling"));
    EXPECT_TRUE(p.IsHidden("/tmp/other"));
    EXPECT_TRUE(p.IsHidden("/run/secrets"));
    EXPECT_TRUE(p.IsHidden("/home/user"));
  }
}

TEST(PolicyTest, Normalize) {
  EXPECT_EQ(*Policy::Normalize("//a///b/"), "/a/b");
  EXPECT_EQ(*Policy::Normalize("/"), "/");
  EXPECT_EQ(ErrorOf(Policy::Normalize("")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Normalize("/a/..")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(Policy::Normalize(std::string_view("/a\0b", 4))), Errno(EINVAL));
}

TEST(PolicyTest, OnlyFilesDirectoriesAndSymlinksAreVisible) {
  EXPECT_TRUE(Policy::IsVisibleType(S_IFREG | 0644));
  EXPECT_TRUE(Policy::IsVisibleType(S_IFDIR | 0755));
  EXPECT_TRUE(Policy::IsVisibleType(S_IFLNK | 0777));
  EXPECT_FALSE(Policy::IsVisibleType(S_IFIFO | 0644));
  EXPECT_FALSE(Policy::IsVisibleType(S_IFSOCK | 0755));
  EXPECT_FALSE(Policy::IsVisibleType(S_IFCHR | 0666));
  EXPECT_FALSE(Policy::IsVisibleType(S_IFBLK | 0660));
}

}  // namespace
}  // namespace kekkai::gofer
