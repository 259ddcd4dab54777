// Prints its arguments one per line as `[ARG]` after checking the auxiliary
// vector the loader built (values any Linux gives a static program); prints
// `auxv ok` or exits 1 naming what is wrong.
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char _start[];

static int bad = 0;

static void Want(int ok, const char* what) {
  if (!ok) {
    printf("auxv bad: %s\n", what);
    bad = 1;
  }
}

int main(int argc, char** argv) {
  Want(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ");
  Want(getauxval(AT_PHDR) != 0, "AT_PHDR");
  Want(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT");
  Want(getauxval(AT_PHNUM) > 0, "AT_PHNUM");
  Want(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY");
  Want(getauxval(AT_UID) == (unsigned long)getuid(), "AT_UID");
  Want(getauxval(AT_EUID) == (unsigned long)geteuid(), "AT_EUID");
  Want(getauxval(AT_GID) == (unsigned long)getgid(), "AT_GID");
  Want(getauxval(AT_EGID) == (unsigned long)getegid(), "AT_EGID");
  Want(getauxval(AT_SECURE) == 0, "AT_SECURE");
  Want(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK");
  Want(getauxval(AT_HWCAP) != 0, "AT_HWCAP");
  Want(getauxval(AT_MINSIGSTKSZ) >= 1024, "AT_MINSIGSTKSZ");
  const unsigned char* random = (const unsigned char*)getauxval(AT_RANDOM);
  Want(random != NULL, "AT_RANDOM");
  if (random != NULL) {
    unsigned char acc = 0;
    for (int i = 0; i < 16; i++) acc |= random[i];
    Want(acc != 0, "AT_RANDOM bytes all zero");
  }
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  Want(execfn != NULL && strlen(execfn) > 0, "AT_EXECFN");
  if (bad) return 1;
  printf("auxv ok\n");
  for (int i = 1; i < argc; i++) printf("[%s]\n", argv[i]);
  return 0;
}
