// Small kernel ABI structs: time, uname, rlimits, sysinfo, iovec, termios,
// winsize, and the constants of the syscalls that take them.
#ifndef KEKKAI_ABI_LINUX_TYPES_H_
#define KEKKAI_ABI_LINUX_TYPES_H_

#include <cstdint>

namespace kekkai::abi::linux {

struct Timespec {
  int64_t sec;
  int64_t nsec;
};
static_assert(sizeof(Timespec) == 16);

struct Timeval {
  int64_t sec;
  int64_t usec;
};
static_assert(sizeof(Timeval) == 16);

struct Timezone {
  int32_t minuteswest;
  int32_t dsttime;
};
static_assert(sizeof(Timezone) == 8);

inline constexpr int kClockRealtime = 0;
inline constexpr int kClockMonotonic = 1;
inline constexpr int kClockProcessCputimeId = 2;
inline constexpr int kClockThreadCputimeId = 3;
inline constexpr int kClockMonotonicRaw = 4;
inline constexpr int kClockRealtimeCoarse = 5;
inline constexpr int kClockMonotonicCoarse = 6;
inline constexpr int kClockBoottime = 7;
inline constexpr int kClockRealtimeAlarm = 8;
inline constexpr int kClockBoottimeAlarm = 9;
inline constexpr int kClockTai = 11;
inline constexpr int kTimerAbstime = 1;

inline constexpr int kUtsLen = 65;
struct Utsname {
  char sysname[kUtsLen];
  char nodename[kUtsLen];
  char release[kUtsLen];
  char version[kUtsLen];
  char machine[kUtsLen];
  char domainname[kUtsLen];
};
static_assert(sizeof(Utsname) == 390);

struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
static_assert(sizeof(Rlimit) == 16);
inline constexpr uint64_t kRlimInfinity = ~uint64_t{0};

inline constexpr int kRlimitCpu = 0, kRlimitFsize = 1, kRlimitData = 2, kRlimitStack = 3,
                     kRlimitCore = 4, kRlimitRss = 5, kRlimitNproc = 6, kRlimitNofile = 7,
                     kRlimitMemlock = 8, kRlimitAs = 9, kRlimitLocks = 10,
                     kRlimitSigpending = 11, kRlimitMsgqueue = 12, kRlimitNice = 13,
                     kRlimitRtprio = 14, kRlimitRttime = 15;
inline constexpr int kRlimNlimits = 16;

struct Sysinfo {
  int64_t uptime;
  uint64_t loads[3];
  uint64_t totalram;
  uint64_t freeram;
  uint64_t sharedram;
  uint64_t bufferram;
  uint64_t totalswap;
  uint64_t freeswap;
  uint16_t procs;
  uint16_t pad;
  uint32_t pad2;
  uint64_t totalhigh;
  uint64_t freehigh;
  uint32_t mem_unit;
  uint8_t reserved[4];
};
static_assert(sizeof(Sysinfo) == 112);

struct IoVec {
  uint64_t base;
  uint64_t len;
};
static_assert(sizeof(IoVec) == 16);
inline constexpr int kUioMaxIov = 1024;

// struct termios as TCGETS/TCSETS take it (not glibc's larger struct).
inline constexpr int kNccs = 19;
struct KernelTermios {
  uint32_t iflag;
  uint32_t oflag;
  uint32_t cflag;
  uint32_t lflag;
  uint8_t line;
  uint8_t cc[kNccs];
};
static_assert(sizeof(KernelTermios) == 36);

struct Winsize {
  uint16_t row;
  uint16_t col;
  uint16_t xpixel;
  uint16_t ypixel;
};
static_assert(sizeof(Winsize) == 8);

inline constexpr uint32_t kTcgets = 0x5401;
inline constexpr uint32_t kTcsets = 0x5402;
inline constexpr uint32_t kTcsetsw = 0x5403;
inline constexpr uint32_t kTcsetsf = 0x5404;
inline constexpr uint32_t kTiocgpgrp = 0x540f;
inline constexpr uint32_t kTiocspgrp = 0x5410;
inline constexpr uint32_t kTiocgwinsz = 0x5413;
inline constexpr uint32_t kTiocswinsz = 0x5414;
inline constexpr uint32_t kFionread = 0x541b;
inline constexpr uint32_t kFionbio = 0x5421;
inline constexpr uint32_t kFioclex = 0x5451;
inline constexpr uint32_t kFionclex = 0x5450;

inline constexpr int kArchSetGs = 0x1001;
inline constexpr int kArchSetFs = 0x1002;
inline constexpr int kArchGetFs = 0x1003;
inline constexpr int kArchGetGs = 0x1004;
inline constexpr int kArchGetCpuid = 0x1011;
inline constexpr int kArchSetCpuid = 0x1012;

inline constexpr int kFutexWait = 0;
inline constexpr int kFutexWake = 1;
inline constexpr int kFutexRequeue = 3;
inline constexpr int kFutexCmpRequeue = 4;
inline constexpr int kFutexWakeOp = 5;
inline constexpr int kFutexLockPi = 6;
inline constexpr int kFutexUnlockPi = 7;
inline constexpr int kFutexWaitBitset = 9;
inline constexpr int kFutexWaitRequeuePi = 11;
inline constexpr int kFutexLockPi2 = 13;
inline constexpr int kFutexWakeBitset = 10;
inline constexpr int kFutexPrivateFlag = 128;
inline constexpr int kFutexClockRealtime = 256;
inline constexpr int kFutexCmdMask = ~(kFutexPrivateFlag | kFutexClockRealtime);
inline constexpr uint32_t kFutexBitsetMatchAny = 0xffffffff;

inline constexpr int kGrndNonblock = 1;
inline constexpr int kGrndRandom = 2;
inline constexpr int kGrndInsecure = 4;

inline constexpr int kSeekSet = 0, kSeekCur = 1, kSeekEnd = 2, kSeekData = 3, kSeekHole = 4;

// struct stat (x86-64).
struct Stat {
  uint64_t dev;
  uint64_t ino;
  uint64_t nlink;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  int32_t pad0;
  uint64_t rdev;
  int64_t size;
  int64_t blksize;
  int64_t blocks;
  Timespec atime;
  Timespec mtime;
  Timespec ctime;
  int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

struct StatxTimestamp {
  int64_t sec;
  uint32_t nsec;
  int32_t reserved;
};
static_assert(sizeof(StatxTimestamp) == 16);

// struct statx.
struct Statx {
  uint32_t mask;
  uint32_t blksize;
  uint64_t attributes;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint16_t mode;
  uint16_t spare0;
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t attributes_mask;
  StatxTimestamp atime, btime, ctime, mtime;
  uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
  uint64_t mnt_id;
  uint32_t dio_mem_align, dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);

inline constexpr uint32_t kStatxBasicStats = 0x7ff;
inline constexpr uint32_t kStatxReserved = 0x80000000;
inline constexpr int kAtStatxSyncTypeMask = 0x6000;
inline constexpr int kAtNoAutomount = 0x800;
inline constexpr int kAtEaccess = 0x200;
inline constexpr int kAtRemovedir = 0x200;

// dev_t encoding (new_encode_dev / MAJOR / MINOR).
constexpr uint32_t DevMajor(uint64_t dev) {
  return static_cast<uint32_t>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~uint64_t{0xfff}));
}
constexpr uint32_t DevMinor(uint64_t dev) {
  return static_cast<uint32_t>((dev & 0xff) | ((dev >> 12) & ~uint64_t{0xff}));
}

// File types in st_mode.
inline constexpr uint32_t kSIfmt = 0170000;
inline constexpr uint32_t kSIfreg = 0100000;
inline constexpr uint32_t kSIfdir = 0040000;
inline constexpr uint32_t kSIflnk = 0120000;
inline constexpr uint32_t kSIfchr = 0020000;
inline constexpr uint32_t kSIfblk = 0060000;
inline constexpr uint32_t kSIfifo = 0010000;
inline constexpr uint32_t kSIfsock = 0140000;
inline constexpr uint32_t kSIsuid = 04000, kSIsgid = 02000, kSIsvtx = 01000;

// d_type values of linux_dirent64: the st_mode file type shifted down.
constexpr uint8_t DirentType(uint32_t mode) { return static_cast<uint8_t>((mode & kSIfmt) >> 12); }

// statfs(2)/fstatfs(2).
struct Statfs {
  int64_t type;
  int64_t bsize;
  uint64_t blocks;
  uint64_t bfree;
  uint64_t bavail;
  uint64_t files;
  uint64_t ffree;
  int32_t fsid[2];
  int64_t namelen;
  int64_t frsize;
  int64_t flags;
  int64_t spare[4];
};
static_assert(sizeof(Statfs) == 120);
inline constexpr int64_t kTmpfsMagic = 0x01021994;
inline constexpr int64_t kProcSuperMagic = 0x9fa0;
inline constexpr int64_t kSt_rdonly = 1;  // ST_RDONLY in statfs f_flags

// utimensat(2) special nanosecond values.
inline constexpr int64_t kUtimeNow = (1l << 30) - 1;
inline constexpr int64_t kUtimeOmit = (1l << 30) - 2;

// renameat2(2) flags.
inline constexpr uint32_t kRenameNoreplace = 1, kRenameExchange = 2, kRenameWhiteout = 4;

inline constexpr int kAtFdcwd = -100;
inline constexpr int kAtSymlinkNofollow = 0x100;
inline constexpr int kAtSymlinkFollow = 0x400;
inline constexpr int kAtEmptyPath = 0x1000;

// open(2)/fcntl(2) flags.
inline constexpr int kOAccmode = 03;
inline constexpr int kORdonly = 00, kOWronly = 01, kORdwr = 02;
inline constexpr int kOCreat = 0100, kOExcl = 0200, kONoctty = 0400, kOTrunc = 01000,
                     kOAppend = 02000, kONonblock = 04000, kODsync = 010000,
                     kOAsync = 020000, kODirect = 040000, kOLargefile = 0100000,
                     kODirectory = 0200000, kONofollow = 0400000, kONoatime = 01000000,
                     kOCloexec = 02000000, kOPath = 010000000,
                     kOTmpfile = 020000000 | kODirectory;

inline constexpr int kFDupfd = 0, kFGetfd = 1, kFSetfd = 2, kFGetfl = 3, kFSetfl = 4,
                     kFDupfdCloexec = 1030;
inline constexpr int kFdCloexec = 1;

// fcntl(2) record locks (struct flock, x86-64 layout) and pipe sizes.
inline constexpr int kFGetlk = 5, kFSetlk = 6, kFSetlkw = 7, kFOfdGetlk = 36,
                     kFOfdSetlk = 37, kFOfdSetlkw = 38, kFSetpipeSz = 1031,
                     kFGetpipeSz = 1032;
inline constexpr int16_t kFRdlck = 0, kFWrlck = 1, kFUnlck = 2;
struct Flock {
  int16_t type;
  int16_t whence;
  int32_t pad0;
  int64_t start;
  int64_t len;
  int32_t pid;
  int32_t pad1;
};
static_assert(sizeof(Flock) == 32);

// flock(2) operations.
inline constexpr int kLockSh = 1, kLockEx = 2, kLockNb = 4, kLockUn = 8, kLockMand = 32;

// setitimer(2)/getitimer(2).
inline constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;
struct Itimerval {
  Timeval interval;
  Timeval value;
};
static_assert(sizeof(Itimerval) == 32);

}  // namespace kekkai::abi::linux

#endif  // KEKKAI_ABI_LINUX_TYPES_H_
