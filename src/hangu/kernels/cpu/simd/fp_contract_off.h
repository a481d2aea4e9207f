#pragma once
// Included first by the per-ISA kernel files. GCC fuses a * b + c into one FMA wherever the
// target has FMA, even in ISO mode; the reference kernels (built without FMA) round twice. So
// contraction is off here, and a kernel that wants an FMA says so with an fma intrinsic: the
// exact ops (add, mul, alpha-add, optimizer updates) then give the reference's bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
