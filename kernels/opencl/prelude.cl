/*
 * prelude.cl — helpers every kernel the OpenCL code generator writes
 * (planner/ocl_gen.c) starts with: checked 64-bit arithmetic that raises a
 * flag instead of trapping, decimal rescaling with the host's rounding,
 * civil dates from day numbers, and the atomics of the sinks (128-bit sums
 * as a low word plus a high word, min and max by compare-and-swap).
 *
 * Flags (F[]): 0 an arithmetic overflow or a zero divisor, 1 a hash table
 * full, 2 a repeated build key of an inner join, 3 a group key outside the
 * range the host measured. The host reruns the pipeline on the CPU when a
 * flag is set, so the CPU reports the error or gives the answer.
 *
 * Floating point: contraction stays off so a * b + c rounds twice, as the
 * host's kernels do.
 */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#pragma OPENCL FP_CONTRACT OFF

#define SL_EMPTY 0xffffffffffffffffUL
#define SL_NOROW 0xffffffffu

inline long sl_add(long a, long b, __global int *F)
{
    long r = (long)((ulong)a + (ulong)b);
    if (((a ^ r) & (b ^ r)) < 0) F[0] = 1;
    return r;
}

inline long sl_sub(long a, long b, __global int *F)
{
    long r = (long)((ulong)a - (ulong)b);
    if (((a ^ b) & (a ^ r)) < 0) F[0] = 1;
    return r;
}

inline long sl_mul(long a, long b, __global int *F)
{
    long lo = (long)((ulong)a * (ulong)b);
    if (mul_hi(a, b) != (lo >> 63)) F[0] = 1;
    return lo;
}

inline long sl_neg(long a, __global int *F)
{
    if (a == LONG_MIN) F[0] = 1;
    return (long)(0UL - (ulong)a);
}

inline long sl_div(long a, long b, __global int *F)
{
    if (b == 0 || (a == LONG_MIN && b == -1)) {
        F[0] = 1;
        return 0;
    }
    return a / b;
}

inline long sl_mod(long a, long b, __global int *F)
{
    if (b == 0) {
        F[0] = 1;
        return 0;
    }
    return b == -1 ? 0 : a % b;
}

/* a / f rounded half away from zero, f >= 2 (a decimal losing digits). */
inline long sl_scale_down(long a, long f)
{
    long q = a / f, r = a % f;
    ulong ar = r < 0 ? 0UL - (ulong)r : (ulong)r;
    long away = ((a ^ f) < 0) ? -1 : 1;
    return q + (ar >= (ulong)f - ar ? away : 0);
}

/* round(a * f) of a float64 into a scaled decimal; out of range raises F[0]. */
inline long sl_scale_f64(double a, double f, __global int *F)
{
    double r = round(a * f);
    if (!(fabs(r) < 1e18)) {
        F[0] = 1;
        return 0;
    }
    return (long)r;
}

/* trunc(a) into an integer of [lo, hi]; NaN and out of range raise F[0]. */
inline long sl_f64_to_int(double a, double lo, double hi_excl, __global int *F)
{
    double t = trunc(a);
    if (!(t >= lo && t < hi_excl)) {
        F[0] = 1;
        return 0;
    }
    return (long)t;
}

inline long sl_narrow(long a, long lo, long hi, __global int *F)
{
    if (a < lo || a > hi) F[0] = 1;
    return a;
}

/* Year, month and day of days since 1970-01-01 (a 400-year era is 146097
 * days; counting years from March 1 puts the leap day last). */
inline int3 sl_civil(int days)
{
    uint z = (uint)days + 719468u + 14694u * 146097u;
    uint era = z / 146097u;
    uint doe = z - era * 146097u;
    uint yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    uint doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint mp = (5u * doy + 2u) / 153u;
    int d = (int)(doy - (153u * mp + 2u) / 5u + 1u);
    int m = (int)(mp + 3u) - 12 * (int)(mp >= 10u);
    int y = (int)(yoe + era * 400u) - (int)(14694u * 400u) + (m <= 2);
    return (int3)(y, m, d);
}

/* 128-bit sums kept as (low word, high word): adding v to the low word
 * carries into the high word, which also takes v's sign extension. Each
 * word is updated atomically; the pair is exact once every add is done. */
inline void sl_sum128_g(volatile __global long *p, long v)
{
    ulong old = atom_add((volatile __global ulong *)p, (ulong)v);
    long hi = (long)(old + (ulong)v < old) + (v < 0 ? -1L : 0L);
    if (hi) atom_add(p + 1, hi);
}

inline void sl_sum128_l(volatile __local long *p, long v)
{
    ulong old = atom_add((volatile __local ulong *)p, (ulong)v);
    long hi = (long)(old + (ulong)v < old) + (v < 0 ? -1L : 0L);
    if (hi) atom_add(p + 1, hi);
}

/* Adds a (low, high) pair into a global pair: the low word's carry goes
 * into the high word with it. */
inline void sl_add128_g(volatile __global long *p, long lo, long hi)
{
    ulong old = atom_add((volatile __global ulong *)p, (ulong)lo);
    hi += (long)(old + (ulong)lo < old);
    if (hi) atom_add(p + 1, hi);
}

/* min and max by compare-and-swap, once per address space (OpenCL 1.2 has
 * no generic pointers): sl_min_g, sl_max_g, sl_min_l, sl_max_l. */
#define SL_EXTREME(name, space, better)                                                                       \
    inline void name(volatile space long *p, long v)                                                          \
    {                                                                                                         \
        long cur = *p;                                                                                        \
        while (v better cur) {                                                                                \
            long prev = atom_cmpxchg(p, cur, v);                                                              \
            if (prev == cur) break;                                                                           \
            cur = prev;                                                                                       \
        }                                                                                                     \
    }
SL_EXTREME(sl_min_g, __global, <)
SL_EXTREME(sl_max_g, __global, >)
SL_EXTREME(sl_min_l, __local, <)
SL_EXTREME(sl_max_l, __local, >)

/* The slot of a packed key in an open-addressing table of cap (a power of
 * two) slots: multiplicative hashing, top bits. */
inline ulong sl_hash(ulong k, ulong cap)
{
    ulong h = k * 0x9E3779B97F4A7C15UL;
    h ^= h >> 29;
    return h & (cap - 1);
}

/* Inserts key k (not SL_EMPTY) into keys[cap]: @return its slot, or cap
 * when the table is full (F[1]); *fresh tells whether this call made it. */
inline ulong sl_ht_insert(volatile __global ulong *keys, ulong cap, ulong k, int *fresh, __global int *F)
{
    ulong s = sl_hash(k, cap);
    for (ulong i = 0; i < cap; i++) {
        ulong prev = atom_cmpxchg(&keys[s], SL_EMPTY, k);
        if (prev == SL_EMPTY || prev == k) {
            *fresh = prev == SL_EMPTY;
            return s;
        }
        s = (s + 1) & (cap - 1);
    }
    F[1] = 1;
    return cap;
}

/* @return the slot of key k in keys[cap], or cap when it is absent. */
inline ulong sl_ht_find(__global const ulong *keys, ulong cap, ulong k)
{
    ulong s = sl_hash(k, cap);
    for (ulong i = 0; i < cap; i++) {
        ulong cur = keys[s];
        if (cur == k) return s;
        if (cur == SL_EMPTY) return cap;
        s = (s + 1) & (cap - 1);
    }
    return cap;
}

/* Sets acc[0 .. total) to the initial value of each field: init[i % nf]. */
__kernel void sl_acc_init(__global long *acc, ulong total, ulong nf, __constant long *init)
{
    for (ulong i = get_global_id(0); i < total; i += get_global_size(0)) acc[i] = init[i % nf];
}

/* Copies the groups of acc[cap][nf] that have rows (field 0) to the front of
 * out, with their packed keys (hash tables: gk[slot]; direct arrays: the
 * slot itself) in keys; count[0] ends as their number. */
__kernel void sl_acc_compact(__global const long *acc, ulong cap, ulong nf, __global const ulong *gk, int hashed,
                             __global uint *count, __global long *out, __global ulong *keys)
{
    for (ulong s = get_global_id(0); s < cap; s += get_global_size(0)) {
        if (acc[s * nf] == 0) continue;
        uint k = atomic_inc(count);
        for (ulong f = 0; f < nf; f++) out[k * nf + f] = acc[s * nf + f];
        keys[k] = hashed ? gk[s] : s;
    }
}
