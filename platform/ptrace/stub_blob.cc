#include "platform/ptrace/stub_blob.h"

// The blob lives in a read-only data section of the sentry: it is only copied (by
// byte range) into each stub's code page. All addressing in it is relative or comes
// in registers, so it runs at any address. Syscall numbers are x86-64's:
// 11 munmap, 39 getpid, 62 kill, 157 prctl, 231 exit_group, 317 seccomp.
// The stub filter (stub_filter.cc) allows only the numbers used after it is
// installed, and only from the code page.
asm(R"(
  .pushsection .rodata.kekkai_stub_blob, "a"
  .balign 64
  .globl kekkai_stub_blob_start
  .hidden kekkai_stub_blob_start
kekkai_stub_blob_start:

  .globl kekkai_stub_init
  .hidden kekkai_stub_init
kekkai_stub_init:
  mov %rdi, %r12                /* &sock_fprog */
  mov %rsi, %r13                /* stub region start */
  mov %rdx, %r14                /* stub region end */
  mov $157, %eax                /* prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) */
  mov $38, %edi
  mov $1, %esi
  xor %edx, %edx
  xor %r10d, %r10d
  xor %r8d, %r8d
  syscall
  test %rax, %rax
  jnz 9f
  mov $317, %eax                /* seccomp(SECCOMP_SET_MODE_FILTER, 0, fprog) */
  mov $1, %edi
  xor %esi, %esi
  mov %r12, %rdx
  syscall
  test %rax, %rax
  jnz 9f
  mov $11, %eax                 /* munmap(0, region start) */
  xor %edi, %edi
  mov %r13, %rsi
  syscall
  test %rax, %rax
  jnz 9f
  mov $11, %eax                 /* munmap(region end, 5-level top - end); fails */
  mov %r14, %rdi                /* with EINVAL under 4-level paging: ignored */
  movabs $0x00fffffffffff000, %rsi
  sub %r14, %rsi
  syscall
1:
  mov $39, %eax                 /* kill(getpid(), SIGSTOP) */
  syscall
  mov %eax, %edi
  mov $19, %esi
  mov $62, %eax
  syscall
  jmp 1b                        /* continued by someone other than the tracer */

  .globl kekkai_stub_loop
  .hidden kekkai_stub_loop
kekkai_stub_loop:
2:
  test %r12, %r12
  jz 3f
  mov 0(%rbx), %rax
  mov 8(%rbx), %rdi
  mov 16(%rbx), %rsi
  mov 24(%rbx), %rdx
  mov 32(%rbx), %r10
  mov 40(%rbx), %r8
  mov 48(%rbx), %r9
  syscall
  cmp $-4095, %rax
  jae 3f
  add $64, %rbx
  dec %r12
  jmp 2b
  .globl kekkai_stub_loop_trap
  .hidden kekkai_stub_loop_trap
kekkai_stub_loop_trap:
3:
  int3
  jmp 3b

9:
  mov $231, %eax                /* exit_group(kStubExitBlobFailed) */
  mov $120, %edi
  syscall
  ud2

  .globl kekkai_stub_blob_end
  .hidden kekkai_stub_blob_end
kekkai_stub_blob_end:
  .popsection
)");

extern "C" const char kekkai_stub_blob_start[];
extern "C" const char kekkai_stub_blob_end[];
extern "C" const char kekkai_stub_init[];
extern "C" const char kekkai_stub_loop[];
extern "C" const char kekkai_stub_loop_trap[];

namespace kekkai::platform::ptrace {

static_assert(kStubExitBlobFailed == 120, "keep in sync with the blob's exit_group");

std::span<const std::byte> StubBlob() {
  return {reinterpret_cast<const std::byte*>(kekkai_stub_blob_start),
          static_cast<size_t>(kekkai_stub_blob_end - kekkai_stub_blob_start)};
}

uint64_t StubInitOffset() { return kekkai_stub_init - kekkai_stub_blob_start; }
uint64_t StubLoopOffset() { return kekkai_stub_loop - kekkai_stub_blob_start; }
uint64_t StubLoopTrapOffset() { return kekkai_stub_loop_trap - kekkai_stub_blob_start; }

}  // namespace kekkai::platform::ptrace
