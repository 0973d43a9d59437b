/* selftest.cl — a known-answer kernel: an integer mix whose exact result the host computes too
 * (src/cl/selftest.c runs it, with a few of the real kernels, on every program loaded from the
 * binary cache before trusting it). */

__kernel void selftest(__global uint *out, uint seed, int n)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    uint x = seed ^ ((uint)i * 0x9E3779B9u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    out[i] = x;
}
