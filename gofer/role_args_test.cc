#include "gofer/role_args.h"

#include <gtest/gtest.h>

namespace kekkai::gofer {
namespace {

TEST(RoleArgsTest, RoundTripsTreesWithCommasAndPercents) {
  TreeSpec a;
  a.path = "/srv/a,b%2C,c";
  a.read_only = false;
  TreeSpec b;
  b.path = "/";
  b.policy.emplace();
  b.policy->visible_home_dir = "/home/me,too/100%";
  b.policy->extra_hidden = {"/etc/x,y", "/var/z"};
  b.policy->private_aliases = {"/var/home"};
  const std::vector<std::string> args = FormatRoleArgs(3, {a, b});
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0], "--sock-fd=3");
  EXPECT_EQ(args[1], "--tree=rw,nopolicy,/srv/a,b%2C,c");
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string error;
  Result<RoleArgs> parsed = ParseRoleArgs(views, &error);
  ASSERT_TRUE(parsed.ok()) << error;
  EXPECT_EQ(parsed->sock_fd, 3);
  ASSERT_EQ(parsed->trees.size(), 2u);
  EXPECT_EQ(parsed->trees[0].path, a.path);
  EXPECT_FALSE(parsed->trees[0].read_only);
  EXPECT_FALSE(parsed->trees[0].policy.has_value());
  EXPECT_EQ(parsed->trees[1].path, "/");
  EXPECT_TRUE(parsed->trees[1].read_only);
  ASSERT_TRUE(parsed->trees[1].policy.has_value());
  EXPECT_EQ(parsed->trees[1].policy->visible_home_dir, "/home/me,too/100%");
  EXPECT_EQ(parsed->trees[1].policy->extra_hidden, b.policy->extra_hidden);
  EXPECT_EQ(parsed->trees[1].policy->private_aliases, b.policy->private_aliases);
}

TEST(RoleArgsTest, RefusesMalformedArguments) {
  for (std::string_view bad :
       {"ro,policy", "ro,/x", "xx,policy,/x", "ro,maybe,/x", "ro,nopolicy,home=/a,/x",
        "ro,policy,bogus=1,/x", "ro,policy,home=%2,/x", "ro,policy,home=%zz,/x", "",
        "ro,policy,relative"}) {
    EXPECT_FALSE(ParseTreeArg(bad).ok()) << bad;
  }
  std::string error;
  EXPECT_FALSE(ParseRoleArgs({"--tree=ro,policy,/"}, &error).ok());
  EXPECT_EQ(error, "missing --sock-fd");
  EXPECT_FALSE(ParseRoleArgs({"--sock-fd=3"}, &error).ok());
  EXPECT_FALSE(ParseRoleArgs({"--sock-fd=x", "--tree=ro,policy,/"}, &error).ok());
  EXPECT_FALSE(ParseRoleArgs({"--sock-fd=3", "--tree=ro,policy,/", "--what"}, &error).ok());
  EXPECT_TRUE(ParseRoleArgs({"--sock-fd=3", "--tree=ro,policy,/"}, &error).ok());
}

}  // namespace
}  // namespace kekkai::gofer
