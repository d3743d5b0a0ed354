/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, used by
 * check-windows.sh inside a throwaway Wine prefix and never shipped.
 *
 * Go 1.24 and later call ProcessPrng from bcryptprimitives.dll at start-up
 * (runtime.loadOptionalSyscalls). Windows 10 and 11 have it; Debian 12's
 * Wine 8 does not, so a Go 1.26 Windows binary dies there with
 * "fatal error: bcryptprimitives.dll not found" before main runs. This DLL
 * implements ProcessPrng with RtlGenRandom (advapi32's SystemFunction036),
 * which lets the check run the real Mailshift.exe and installer under Wine.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) {
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}
