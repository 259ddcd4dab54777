// CHECK for guest test programs: on failure prints the condition, its line and
// errno, and exits 1 (a guest's result is its exit status and output).
#ifndef KEKKAI_TESTS_GUESTS_CHECK_H_
#define KEKKAI_TESTS_GUESTS_CHECK_H_

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

#endif  // KEKKAI_TESTS_GUESTS_CHECK_H_
