/*
 * test_ocl.c — the OpenCL device runtime (runtime/ocl.h) on whatever OpenCL
 * device the machine has (PoCL's CPU device in CI): opening and its facts,
 * a kernel built and run, the program caches in memory and on disk (a
 * corrupt binary is rebuilt), build errors with their log, the column cache
 * with its LRU eviction and pins under a small SL_OPENCL_MEMORY budget,
 * scratch buffers, and the bandwidth probe. Without any OpenCL device every
 * test is skipped, with the reason printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
#include "runtime/ocl.h"
#include "runtime/ocl_bandwidth.h"
#include "test_util.h"

#define N_ADD 1000        /* elements of the vector add */
#define WORDS (16384 / 8) /* int64 values of one 16 KiB test column */

static const char VADD_SOURCE[] =
    "__kernel void sl_test_vadd(__global const long *a, __global const long *b, __global long *c, ulong n)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    if (i < n) c[i] = a[i] + b[i];\n"
    "}\n";

static const char BAD_SOURCE[] = "__kernel void sl_test_bad(__global long *x)\n"
                                 "{\n"
                                 "    x[0] = sl_no_such_identifier + 1;\n"
                                 "}\n";

static char scratch_dir[256];     /* made by the group setup */
static const char *no_device;     /* why every test is skipped, or NULL */
static int64_t columns[6][WORDS]; /* host data of the column cache tests */

/* ---- helpers -------------------------------------------------------------------- */

static void skip_without_device(void)
{
    if (!no_device) return;
    print_message("skipping: %s\n", no_device);
    skip();
}

/* Opens a fresh context's device with SL_OPENCL_CACHE set to scratch_dir/sub
 * ("off" when sub is NULL) and SL_OPENCL_MEMORY to memory (unset when NULL). */
static sli_ocl *open_device(sl_context **ctx, const char *sub, const char *memory)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", scratch_dir, sub ? sub : "");
    assert_int_equal(setenv("SL_OPENCL_CACHE", sub ? dir : "off", 1), 0);
    if (memory)
        assert_int_equal(setenv("SL_OPENCL_MEMORY", memory, 1), 0);
    else
        assert_int_equal(unsetenv("SL_OPENCL_MEMORY"), 0);
    assert_int_equal(sl_context_create(ctx), SL_OK);
    sli_ocl *o = NULL;
    sl_status st = sli_ocl_get(*ctx, &o);
    if (st != SL_OK) print_message("sli_ocl_get: %s\n", sl_context_last_error(*ctx));
    assert_int_equal(st, SL_OK);
    assert_non_null(o);
    return o;
}

static void read_back(sli_ocl *o, cl_mem m, void *host, size_t bytes)
{
    assert_int_equal(clEnqueueReadBuffer(sli_ocl_queue(o), m, CL_TRUE, 0, bytes, host, 0, NULL, NULL),
                     CL_SUCCESS);
}

/* Runs the vector add kernel k on values that need all 64 bits and checks every sum. */
static void run_vadd(sl_context *ctx, sli_ocl *o, cl_kernel k)
{
    static int64_t a[N_ADD], b[N_ADD], c[N_ADD];
    for (int64_t i = 0; i < N_ADD; i++) {
        a[i] = i * 1000003 - ((int64_t)1 << 40);
        b[i] = (int64_t)3 << 50 | i;
    }
    cl_mem ma = NULL, mb = NULL, mc = NULL;
    assert_int_equal(sli_ocl_alloc(ctx, o, sizeof a, a, false, &ma), SL_OK);
    assert_int_equal(sli_ocl_alloc(ctx, o, sizeof b, b, false, &mb), SL_OK);
    assert_int_equal(sli_ocl_alloc(ctx, o, sizeof c, NULL, true, &mc), SL_OK);
    cl_ulong n = N_ADD;
    assert_int_equal(clSetKernelArg(k, 0, sizeof ma, &ma), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(k, 1, sizeof mb, &mb), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(k, 2, sizeof mc, &mc), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(k, 3, sizeof n, &n), CL_SUCCESS);
    size_t global = N_ADD;
    assert_int_equal(clEnqueueNDRangeKernel(sli_ocl_queue(o), k, 1, NULL, &global, NULL, 0, NULL, NULL),
                     CL_SUCCESS);
    read_back(o, mc, c, sizeof c);
    for (int i = 0; i < N_ADD; i++) assert_true(c[i] == a[i] + b[i]);
    sli_ocl_release(o, ma);
    sli_ocl_release(o, mb);
    sli_ocl_release(o, mc);
}

/* Gets the vector add kernel, checks where it came from, runs it. */
static void vadd_from(sl_context *ctx, sli_ocl *o, bool want_cached, size_t want_compiled, size_t want_disk)
{
    cl_kernel k = NULL;
    bool cached = !want_cached;
    sl_status st = sli_ocl_kernel(ctx, o, VADD_SOURCE, "sl_test_vadd", &k, &cached);
    if (st != SL_OK) print_message("sli_ocl_kernel: %s\n", sl_context_last_error(ctx));
    assert_int_equal(st, SL_OK);
    assert_int_equal(cached, want_cached);
    size_t compiled = 99, from_disk = 99;
    sli_ocl_program_stats(o, &compiled, &from_disk);
    assert_int_equal(compiled, want_compiled);
    assert_int_equal(from_disk, want_disk);
    run_vadd(ctx, o, k);
    clReleaseKernel(k);
}

/* @return the number of entries of dir other than . and ..; the last one's path into path. */
static int list_dir(const char *dir, char *path, size_t cap)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, cap, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void assert_cache(const sli_ocl *o, uint64_t bytes, size_t n)
{
    uint64_t b = 0;
    size_t c = 0;
    sli_ocl_cache_stats(o, &b, &c);
    assert_int_equal(b, bytes);
    assert_int_equal(c, n);
}

/* Asks for column i (16 KiB, generation 1) and checks whether it was uploaded. */
static cl_mem column(sl_context *ctx, sli_ocl *o, int i, bool want_uploaded)
{
    cl_mem m = NULL;
    bool uploaded = !want_uploaded;
    assert_int_equal(sli_ocl_column(ctx, o, columns[i], 1, columns[i], sizeof columns[i], &m, &uploaded),
                     SL_OK);
    assert_non_null(m);
    assert_int_equal(uploaded, want_uploaded);
    return m;
}

static void assert_error_has(sl_context *ctx, const char *text)
{
    const char *msg = sl_context_last_error(ctx);
    if (!strstr(msg, text)) print_message("'%s' not in: %s\n", text, msg);
    assert_non_null(strstr(msg, text));
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_open_and_info(void **state)
{
    (void)state;
    skip_without_device();
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, NULL, NULL);
    sli_ocl *again = NULL;
    assert_int_equal(sli_ocl_get(ctx, &again), SL_OK);
    assert_ptr_equal(again, o);
    const sli_ocl_info *in = sli_ocl_info_of(o);
    assert_true(in->name[0] != 0);
    assert_true(in->driver[0] != 0);
    assert_true(in->global_memory > 0);
    assert_true(in->max_alloc > 0 && in->max_alloc <= in->global_memory);
    assert_int_equal(in->budget, in->global_memory - in->global_memory / 8);
    assert_true(in->compute_units > 0);
    assert_true(in->max_work_group > 0);
    assert_true(in->local_memory > 0);
    assert_non_null(sli_ocl_context(o));
    assert_non_null(sli_ocl_queue(o));
    assert_non_null(sli_ocl_device(o));
    print_message("device: %s (%s, driver %s), budget %llu bytes\n", in->name, in->vendor, in->driver,
                  (unsigned long long)in->budget);
    sl_context_destroy(ctx);
}

static void test_environment(void **state)
{
    (void)state;
    skip_without_device();
    static const struct {
        const char *text;
        uint64_t bytes;
    } budgets[] = {
        {"1048576", 1048576}, {"64K", 65536}, {"10M", 10485760}, {"2G", 2147483648ULL}, {"3g", 3ULL << 30}};
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        sl_context *ctx = NULL;
        sli_ocl *o = open_device(&ctx, NULL, budgets[i].text);
        assert_int_equal(sli_ocl_info_of(o)->budget, budgets[i].bytes);
        sl_context_destroy(ctx);
    }
    static const char *const bad[] = {"12Q", "K", "-5", "10MB", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sl_context *ctx = NULL;
        sli_ocl *o = NULL;
        assert_int_equal(setenv("SL_OPENCL_MEMORY", bad[i], 1), 0);
        assert_int_equal(sl_context_create(&ctx), SL_OK);
        assert_int_equal(sli_ocl_get(ctx, &o), SL_ERR_DEVICE);
        assert_null(o);
        assert_error_has(ctx, "SL_OPENCL_MEMORY");
        sl_context_destroy(ctx);
    }
    assert_int_equal(unsetenv("SL_OPENCL_MEMORY"), 0);
    /* device 0 exists; device 100000 does not */
    static const struct {
        const char *value;
        sl_status st;
    } devices[] = {{"0", SL_OK}, {"100000", SL_ERR_DEVICE}, {"x", SL_ERR_DEVICE}};
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        sl_context *ctx = NULL;
        sli_ocl *o = NULL;
        assert_int_equal(setenv("SL_OPENCL_DEVICE", devices[i].value, 1), 0);
        assert_int_equal(sl_context_create(&ctx), SL_OK);
        assert_int_equal(sli_ocl_get(ctx, &o), devices[i].st);
        if (devices[i].st != SL_OK) assert_error_has(ctx, "SL_OPENCL_DEVICE");
        sl_context_destroy(ctx);
    }
    assert_int_equal(unsetenv("SL_OPENCL_DEVICE"), 0);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(sli_ocl_error_name(CL_SUCCESS), "CL_SUCCESS");
    assert_string_equal(sli_ocl_error_name(CL_INVALID_VALUE), "CL_INVALID_VALUE");
    assert_string_equal(sli_ocl_error_name(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE");
    assert_string_equal(sli_ocl_error_name(CL_INVALID_DEVICE_PARTITION_COUNT),
                        "CL_INVALID_DEVICE_PARTITION_COUNT");
    assert_string_equal(sli_ocl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(sli_ocl_error_name(-9999), "?");
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    assert_int_equal(sli_ocl_fail(ctx, CL_MEM_OBJECT_ALLOCATION_FAILURE, "step"), SL_ERR_DEVICE_MEMORY);
    assert_string_equal(sl_context_last_error(ctx),
                        "step: OpenCL error -4 (CL_MEM_OBJECT_ALLOCATION_FAILURE)");
    assert_int_equal(sli_ocl_fail(ctx, CL_OUT_OF_RESOURCES, "step"), SL_ERR_DEVICE_MEMORY);
    assert_int_equal(sli_ocl_fail(ctx, CL_INVALID_KERNEL_ARGS, "launch"), SL_ERR_DEVICE);
    assert_string_equal(sl_context_last_error(ctx), "launch: OpenCL error -52 (CL_INVALID_KERNEL_ARGS)");
    sl_context_destroy(ctx);
}

static void test_kernel_memory_cache(void **state)
{
    (void)state;
    skip_without_device();
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, NULL, NULL);
    vadd_from(ctx, o, false, 1, 0);
    vadd_from(ctx, o, true, 1, 0); /* the same source: no compiler */
    sl_context_destroy(ctx);
}

static void test_disk_cache(void **state)
{
    (void)state;
    skip_without_device();
    char dir[512], path[768];
    snprintf(dir, sizeof dir, "%s/disk/nested", scratch_dir);
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, "disk/nested", NULL); /* made with its parents */
    vadd_from(ctx, o, false, 1, 0);
    sl_context_destroy(ctx);
    assert_int_equal(list_dir(dir, path, sizeof path), 1); /* the binary, no temporary file left */
    assert_non_null(strstr(path, ".bin"));
    long size = file_size(path);
    assert_true(size > 0);

    o = open_device(&ctx, "disk/nested", NULL);
    vadd_from(ctx, o, true, 0, 1); /* loaded, not compiled */
    sl_context_destroy(ctx);

    static const char garbage[] = "this is not a program binary";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(garbage, f);
    fclose(f);
    o = open_device(&ctx, "disk/nested", NULL);
    vadd_from(ctx, o, false, 1, 0); /* the corrupt file is rebuilt from source... */
    sl_context_destroy(ctx);
    assert_int_equal(list_dir(dir, path, sizeof path), 1);
    assert_true(file_size(path) > (long)strlen(garbage)); /* ...and rewritten */
    o = open_device(&ctx, "disk/nested", NULL);
    vadd_from(ctx, o, true, 0, 1);
    sl_context_destroy(ctx);
}

static void test_build_errors(void **state)
{
    (void)state;
    skip_without_device();
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, "errors", NULL);
    cl_kernel k = NULL;
    bool cached = true;
    assert_int_equal(sli_ocl_kernel(ctx, o, BAD_SOURCE, "sl_test_bad", &k, &cached), SL_ERR_DEVICE);
    assert_null(k);
    assert_false(cached);
    assert_error_has(ctx, "sl_test_bad");
    assert_error_has(ctx, "CL_BUILD_PROGRAM_FAILURE");
    assert_error_has(ctx, "sl_no_such_identifier"); /* from the compiler's log */
    assert_true(strlen(sl_context_last_error(ctx)) < SLI_ERROR_CAP - 1);
    /* a kernel the program does not have */
    assert_int_equal(sli_ocl_kernel(ctx, o, VADD_SOURCE, "sl_test_missing", &k, NULL), SL_ERR_DEVICE);
    assert_error_has(ctx, "CL_INVALID_KERNEL_NAME");
    sl_context_destroy(ctx);
}

static void test_column_cache(void **state)
{
    (void)state;
    skip_without_device();
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < WORDS; j++) columns[i][j] = (int64_t)i << 32 | j;
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, NULL, "64K"); /* room for 4 columns */
    cl_mem a = column(ctx, o, 0, true);
    assert_ptr_equal(column(ctx, o, 0, false), a);
    assert_cache(o, 16384, 1);
    column(ctx, o, 1, true);
    column(ctx, o, 2, true);
    column(ctx, o, 3, true);
    assert_cache(o, 65536, 4);
    sli_ocl_unpin_all(o);
    column(ctx, o, 0, false); /* 0 is the newest now; 1 the oldest */
    sli_ocl_unpin_all(o);
    cl_mem e = column(ctx, o, 4, true); /* evicts 1 */
    assert_cache(o, 65536, 4);
    column(ctx, o, 1, true);  /* back, evicting 2 */
    column(ctx, o, 0, false); /* 0 stayed */
    static int64_t back[WORDS];
    read_back(o, e, back, sizeof back);
    assert_memory_equal(back, columns[4], sizeof back);

    column(ctx, o, 5, true); /* evicts 3, the one unpinned column */
    assert_cache(o, 65536, 4);
    cl_mem m = NULL;
    assert_int_equal(sli_ocl_column(ctx, o, columns[2], 1, columns[2], sizeof columns[2], &m, NULL),
                     SL_ERR_DEVICE_MEMORY); /* every column is pinned */
    assert_null(m);
    assert_error_has(ctx, "16384 bytes needed");
    assert_error_has(ctx, "budget 65536");
    assert_cache(o, 65536, 4);

    sli_ocl_unpin_all(o);
    static int64_t big[2 * 65536 / 8];
    assert_int_equal(sli_ocl_column(ctx, o, big, 1, big, sizeof big, &m, NULL), SL_ERR_DEVICE_MEMORY);
    assert_error_has(ctx, "131072 bytes needed");
    assert_cache(o, 65536, 4); /* nothing evicted for a request that cannot fit */

    column(ctx, o, 5, false);
    assert_int_equal(sli_ocl_column(ctx, o, columns[5], 2, columns[5], sizeof columns[5], &m, NULL), SL_OK);
    assert_cache(o, 65536, 4); /* a new generation is another column */
    sli_ocl_evict_all(o);
    assert_cache(o, 32768, 2); /* the pinned two stay */
    sli_ocl_unpin_all(o);
    sli_ocl_evict_all(o);
    assert_cache(o, 0, 0);
    sl_context_destroy(ctx);
}

static void test_scratch(void **state)
{
    (void)state;
    skip_without_device();
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, NULL, "64K");
    for (int j = 0; j < WORDS; j++) columns[0][j] = j;
    column(ctx, o, 0, true);
    sli_ocl_unpin_all(o);

    static unsigned char host[49152], back[49152];
    memset(host, 0xab, sizeof host);
    cl_mem m = NULL, z = NULL, odd = NULL, more = NULL;
    assert_int_equal(sli_ocl_alloc(ctx, o, sizeof host, host, false, &m), SL_OK);
    assert_cache(o, 16384, 1);
    read_back(o, m, back, sizeof back);
    assert_memory_equal(back, host, sizeof back);
    sli_ocl_release(o, m);

    assert_int_equal(sli_ocl_alloc(ctx, o, sizeof host, NULL, true, &z), SL_OK);
    read_back(o, z, back, sizeof back);
    for (size_t i = 0; i < sizeof back; i++) assert_int_equal(back[i], 0);
    assert_cache(o, 16384, 1); /* 16384 + 49152: the budget is full */
    assert_int_equal(sli_ocl_alloc(ctx, o, 1001, NULL, true, &odd), SL_OK); /* a one-byte fill pattern */
    assert_cache(o, 0, 0);                                                  /* the column made room */
    read_back(o, odd, back, 1001);
    for (size_t i = 0; i < 1001; i++) assert_int_equal(back[i], 0);

    /* 49152 + 1001 held: 15000 more fit, 16384 do not */
    assert_int_equal(sli_ocl_alloc(ctx, o, 15000, NULL, false, &more), SL_OK);
    sli_ocl_release(o, more);
    assert_int_equal(sli_ocl_alloc(ctx, o, 16384, NULL, true, &more), SL_ERR_DEVICE_MEMORY);
    assert_null(more);
    assert_error_has(ctx, "16384 bytes needed");
    sli_ocl_release(o, odd);
    assert_int_equal(sli_ocl_alloc(ctx, o, 16384, NULL, true, &more), SL_OK); /* released bytes came back */
    sli_ocl_release(o, more);
    sli_ocl_release(o, NULL);
    /* z is left for sli_ocl_free */
    sl_context_destroy(ctx);
}

static void test_bandwidth(void **state)
{
    (void)state;
    skip_without_device();
    sl_context *ctx = NULL;
    sli_ocl *o = open_device(&ctx, NULL, "64M");
    double gbs = -1;
    sl_status st = sli_ocl_bandwidth(ctx, o, 8 << 20, &gbs);
    if (st != SL_OK) print_message("sli_ocl_bandwidth: %s\n", sl_context_last_error(ctx));
    assert_int_equal(st, SL_OK);
    assert_true(gbs > 0);
    print_message("read bandwidth of %s over 8 MiB: %.2f GB/s\n", sli_ocl_info_of(o)->name, gbs);
    assert_int_equal(sli_ocl_bandwidth(ctx, o, 4, &gbs), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_ocl_bandwidth(ctx, o, 1 << 30, &gbs),
                     SL_ERR_DEVICE_MEMORY); /* over the 64M budget */
    uint64_t bytes = 1;
    size_t n = 1;
    sli_ocl_cache_stats(o, &bytes, &n);
    assert_int_equal(bytes, 0); /* the probe's buffers were released */
    sl_context_destroy(ctx);
}

/* ---- setup ---------------------------------------------------------------------- */

/* LeakSanitizer's hook: PoCL and its LLVM keep compiler state that they never
 * free when a process compiles a kernel their own kernel cache lacks (so a
 * fresh machine reports them and a warm one does not); none of it is ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libpocl.so\nleak:libLLVM\n";
}

/* Sets no_device when the ICD loader lists no OpenCL device at all. */
static void find_device(void)
{
    cl_platform_id plats[16];
    cl_uint np = 0;
    if (clGetPlatformIDs(16, plats, &np) != CL_SUCCESS || np == 0) {
        no_device = "no OpenCL platform is installed";
        return;
    }
    for (cl_uint i = 0; i < np && i < 16; i++) {
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) == CL_SUCCESS && nd > 0) return;
    }
    no_device = "OpenCL platforms are installed, but no device";
}

static int setup(void **state)
{
    (void)state;
    unsetenv("SL_OPENCL_DEVICE");
    unsetenv("SL_OPENCL_MEMORY");
    find_device();
    return tu_make_dir(scratch_dir, sizeof scratch_dir, "ocl");
}

static int teardown(void **state)
{
    (void)state;
    return tu_remove_dir(scratch_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names),  cmocka_unit_test(test_open_and_info),
        cmocka_unit_test(test_environment),  cmocka_unit_test(test_kernel_memory_cache),
        cmocka_unit_test(test_disk_cache),   cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_column_cache), cmocka_unit_test(test_scratch),
        cmocka_unit_test(test_bandwidth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
