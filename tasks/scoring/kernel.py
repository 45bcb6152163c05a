"""The per-pair feature kernel, compiled (numba): one pass over the candidate pairs, each pair's item
values × book values compared in registers, no temporaries the size of the combinations.

`pair_features` (features.py) lays the prepared keys out as CSR arrays (per row: an offset into flat
values) and strings as indices into one string table whose characters are a CSR array of character
codes (bytes when every string is ASCII, as normalised keys are; 16-bit codes otherwise); this module
only loops. What every feature *means* is defined once, readably, in
`features.pair_features_reference`; tests hold this kernel to it column for column.

String similarity is rapidfuzz's `fuzz.ratio` (normalised Indel similarity × 100, rounded half up as
`process.cpdist(..., dtype=np.uint8)` does), computed with the bit-parallel LCS of Hyyrö (2004) that
rapidfuzz itself uses: one machine word per 64 characters of the pattern. Equal strings (same hash,
same characters) are 100 without one.

There are two kernels: `title_kernel` (titles only: its inputs are laid out in a few milliseconds) and
`pair_kernel` (everything else, reading which sources the titles credit). They release the GIL
(`nogil=True`): the caller runs slices of the pairs on threads, titles first, while it lays out the
other kernel's inputs. They are compiled once per machine (`cache=True`, next to this file or in
NUMBA_CACHE_DIR) — `warm_up()` compiles or loads them outside any timing.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_U1 = np.uint64(1)
_U0 = np.uint64(0)


@njit(cache=True, inline="always")
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


# The pattern table is one flat uint64 array: slot × word × character (a1 = characters + 1 per row, so a
# pattern of up to 64 characters is one 1 KB row), indexed with unsigned integers (numba adds a
# negative-index check to every signed index; in these loops it costs a third).


@njit(cache=True, inline="always")
def _set_pattern(pm, base, a1, chars, start, end):
    k = np.uint64(start)
    stop = np.uint64(end)
    pos = _U0
    while k < stop:
        at = base + (pos >> np.uint64(6)) * a1 + np.uint64(chars[k])
        pm[at] |= _U1 << (pos & np.uint64(63))
        pos += _U1
        k += _U1


@njit(cache=True, inline="always")
def _clear_pattern(pm, base, a1, chars, start, end):
    k = np.uint64(start)
    stop = np.uint64(end)
    pos = _U0
    while k < stop:
        pm[base + (pos >> np.uint64(6)) * a1 + np.uint64(chars[k])] = _U0
        pos += _U1
        k += _U1


@njit(cache=True, inline="always")
def _lcs(pm, base, a1, plen, chars, start, end, vec):
    """Length of the longest common subsequence of the pattern at pm[base:] (plen characters) and
    chars[start:end]."""
    k = np.uint64(start)
    stop = np.uint64(end)
    n = (np.uint64(plen) + np.uint64(63)) >> np.uint64(6)
    if n == _U1:
        s = _ONES
        while k < stop:
            u = s & pm[base + np.uint64(chars[k])]
            s = (s + u) | (s - u)
            k += _U1
        v = ~s
        if plen < 64:
            v &= (_U1 << np.uint64(plen)) - _U1
        return _popcount(v)
    w = _U0
    while w < n:
        vec[w] = _ONES
        w += _U1
    while k < stop:
        row = base + np.uint64(chars[k])
        carry = _U0
        w = _U0
        while w < n:
            x0 = vec[w]
            u = x0 & pm[row + w * a1]
            t = x0 + carry
            c1 = t < x0
            x = t + u
            c2 = x < t
            carry = _U1 if (c1 or c2) else _U0
            vec[w] = x | (x0 - u)
            w += _U1
        k += _U1
    lcs = 0
    w = _U0
    while w < n:
        v = ~vec[w]
        if w == n - _U1 and (plen & 63) != 0:
            v &= (_U1 << np.uint64(plen & 63)) - _U1
        lcs += _popcount(v)
        w += _U1
    return lcs


@njit(cache=True, inline="always")
def _ratio_of(lcs, la, lb):
    """fuzz.ratio from the LCS, in rapidfuzz's floating-point steps, rounded half up."""
    lensum = la + lb
    if lensum == 0:
        return np.int64(100)
    dist = lensum - 2 * lcs
    score = (1.0 - dist / lensum) * 100.0
    return np.int64(np.floor(score + 0.5))


@njit(cache=True, inline="always")
def _contains(chars, off, a, b, pad):
    """Is " " + s[a] + " " a substring of " " + s[b] + " "? (`pad` is the space's character code.)"""
    a0 = off[a]
    b0 = off[b]
    la = off[a + 1] - a0
    lb = off[b + 1] - b0
    if la > lb:
        return False
    for start in range(lb - la + 1):
        ok = True
        for i in range(la + 2):
            p = pad if (i == 0 or i == la + 1) else chars[a0 + i - 1]
            j = start + i
            t = pad if (j == 0 or j == lb + 1) else chars[b0 + j - 1]
            if p != t:
                ok = False
                break
        if ok:
            return True
    return False


@njit(nogil=True, cache=True)
def string_hashes(chars, off, out):
    """out[k] = a 32-bit hash of string k's length, first four and last four characters (equal strings,
    equal hashes: a cheap first test before comparing characters; no chain of multiplications: it is made
    for every string of a run). Returns the length of the longest string."""
    n = len(off) - 1
    longest = 0
    for k in range(n):
        s = off[k]
        m = off[k + 1] - s
        longest = max(longest, m)
        head = np.uint64(0)
        tail = np.uint64(0)
        for j in range(min(m, 4)):
            head |= np.uint64(chars[s + j]) << np.uint64(16 * j)
            tail |= np.uint64(chars[s + m - 1 - j]) << np.uint64(16 * j)
        h = head * np.uint64(0x9E3779B97F4A7C15) ^ tail * np.uint64(0xC2B2AE3D27D4EB4F) ^ np.uint64(m)
        out[k] = np.uint32((h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF))
    return longest


@njit(cache=True, inline="always")
def _same(chars, off, hashes, a, b):
    """Are strings a and b (indices; -1 = null) equal?"""
    if a < 0 or b < 0 or hashes[a] != hashes[b]:
        return False
    a0 = off[a]
    b0 = off[b]
    n = off[a + 1] - a0
    if off[b + 1] - b0 != n:
        return False
    for k in range(n):  # noqa: SIM110 (numba compiles the loop, not all() over a generator)
        if chars[a0 + k] != chars[b0 + k]:
            return False
    return True


@njit(cache=True, inline="always")
def _any_same(ilo, ihi, icode, blo, bhi, bcode, ws):
    """Does any string icode[ilo:ihi] equal any of bcode[blo:bhi]?"""
    chars, off, hashes = ws[5], ws[6], ws[7]
    for v in range(ilo, ihi):
        for w in range(blo, bhi):
            if _same(chars, off, hashes, icode[v], bcode[w]):
                return True
    return False


# Bit patterns of the current item's strings stay built while the kernel walks that item's candidates
# (pairs are visited grouped by item): building one costs as much as comparing with it.
_SLOTS = 16


@njit(cache=True, inline="always")
def _pattern(pm, a1, stride, slot_code, used, code, chars, off):
    """Where the pattern of string `code` starts in pm (built on first use for the current item; the
    spare last slot is rebuilt when all others are taken)."""
    for k in range(used[0]):
        if slot_code[k] == code:
            return np.uint64(k) * stride
    k = used[0]
    if k < _SLOTS:
        used[0] = k + 1
        slot_code[k] = code
    else:
        k = _SLOTS
        old = slot_code[k]
        if old == code:
            return np.uint64(k) * stride
        if old >= 0:
            _clear_pattern(pm, np.uint64(k) * stride, a1, chars, off[old], off[old + 1])
        slot_code[k] = code
    base = np.uint64(k) * stride
    _set_pattern(pm, base, a1, chars, off[code], off[code + 1])
    return base


@njit(cache=True, inline="always")
def _forget_patterns(pm, a1, stride, slot_code, used, chars, off):
    for k in range(_SLOTS + 1):
        code = slot_code[k]
        if code >= 0:
            _clear_pattern(pm, np.uint64(k) * stride, a1, chars, off[code], off[code + 1])
            slot_code[k] = -1
    used[0] = 0


@njit(cache=True, inline="always")
def _ratio(pm, a1, stride, slot_code, used, a, b, chars, off, hashes, vec):
    """fuzz.ratio of strings a (the current item's) and b, and their LCS (-1 when they are equal)."""
    if a == b or _same(chars, off, hashes, a, b):
        return np.int64(100), np.int64(-1)
    base = _pattern(pm, a1, stride, slot_code, used, a, chars, off)
    la = off[a + 1] - off[a]
    b0 = off[b]
    lb = off[b + 1] - b0
    lcs = _lcs(pm, base, a1, la, chars, b0, b0 + lb, vec)
    return _ratio_of(lcs, la, lb), np.int64(lcs)


@njit(cache=True, inline="always")
def _best_ratio(lo, hi, lcode, rcode, best, ws):
    """max(best, the ratio of the item's string `lcode` with each of rcode[lo:hi]) — a string whose
    length alone keeps it at or below `best` is not compared: the ratio is at most 200·m / (la + lb), m =
    min(la, lb), and when 400·m < (2·best + 1)(la + lb) that rounds to at most `best` (in integers, with
    room for the floating-point steps of `_ratio_of`). The item string's pattern is looked up once.
    `ws`: the pattern table and string table, as pair_kernel bundles them."""
    pm, a1, stride, slot_code, used, chars, off, hashes, vec = ws
    la = off[lcode + 1] - off[lcode]
    base = _U0
    built = False
    for w in range(lo, hi):
        if best >= 100:
            break
        rc = rcode[w]
        r0 = off[rc]
        lb = off[rc + 1] - r0
        if rc == lcode or _same(chars, off, hashes, lcode, rc):
            return np.int64(100)
        if 400 * min(la, lb) < (2 * best + 1) * (la + lb):
            continue
        if not built:
            base = _pattern(pm, a1, stride, slot_code, used, lcode, chars, off)
            built = True
        s = _ratio_of(_lcs(pm, base, a1, la, chars, r0, r0 + lb, vec), la, lb)
        if s > best:
            best = s
    return best


@njit(cache=True, inline="always")
def _reset(pm, slot_code, used):
    for k in range(len(pm)):
        pm[k] = _U0
    for k in range(len(slot_code)):
        slot_code[k] = -1
    used[0] = 0


@njit(nogil=True, cache=True, error_model="numpy", _nrt=False)
def title_kernel(
    lo,
    hi,
    ii,
    bi,
    # the titles' string table: characters, offsets, hashes; the space's code, alphabet size, longest string
    chars,
    soff,
    hashes,
    pad,
    n_alpha,
    max_len,
    # item title variants (codes, sources), book title variants (per book row: offsets; codes)
    it_off,
    it_code,
    it_src,
    bt_off,
    bt_code,
    # outputs
    title_sim,
    item_in,
    cand_in,
    agree_out,
    # scratch (allocated by the caller: the kernel runs without numba's reference counting)
    pm,
    slot_code,
    used,
    vec,
):
    """Title features of pairs lo..hi-1: the best ratio over item variants × book variants, whole-word
    containment both ways (the sequel / omnibus trap) and which item sources name the book. ii/bi: the
    pair's item / book row (the empty last row when unknown); a pair's item strings stay compiled into
    bit patterns while the next pairs have the same item, so pairs should come grouped by item. It needs
    only the titles: it runs while the other inputs of `pair_kernel` are still being laid out."""
    nw = len(vec)
    a1 = np.uint64(n_alpha + 1)  # the pattern table's row length
    stride = np.uint64((n_alpha + 1) * nw)
    _reset(pm, slot_code, used)
    current = -1
    for p in range(lo, hi):
        i = ii[p]
        b = bi[p]
        if i != current:
            _forget_patterns(pm, a1, stride, slot_code, used, chars, soff)
            current = i
        best = -1
        agree = 0
        iin = False
        cin = False
        for v in range(it_off[i], it_off[i + 1]):
            lc = it_code[v]
            if lc < 0:
                continue
            la = soff[lc + 1] - soff[lc]
            for w in range(bt_off[b], bt_off[b + 1]):
                rc = bt_code[w]
                s, lcs = _ratio(pm, a1, stride, slot_code, used, lc, rc, chars, soff, hashes, vec)
                if s > best:
                    best = s
                if s >= 90:
                    agree |= it_src[v]
                elif lcs >= 0:
                    # Whole-word containment both ways (below 90, where it can matter): a string inside
                    # another is a subsequence of it, so only then is it searched.
                    lb = soff[rc + 1] - soff[rc]
                    if not iin and la < lb and lcs == la and _contains(chars, soff, lc, rc, pad):
                        iin = True
                    if not cin and lb < la and lcs == lb and _contains(chars, soff, rc, lc, pad):
                        cin = True
        title_sim[p] = best
        item_in[p] = iin
        cand_in[p] = cin
        agree_out[p] = agree


@njit(nogil=True, cache=True, error_model="numpy", _nrt=False)
def pair_kernel(
    lo,
    hi,
    ii,
    bi,
    agree_in,
    brec,
    book_pos,
    # the string table of names and identifiers: characters, offsets, hashes; alphabet size, longest string
    chars,
    soff,
    hashes,
    n_alpha,
    max_len,
    # which item sources have a title (a source whose title names another book is discredited)
    title_mask,
    # authors (name codes, exact-key codes, sources)
    ia_off,
    ia_code,
    ia_key,
    ia_src,
    ba_code,
    ba_key,
    # series positions
    ip_off,
    ip_val,
    ip_src,
    # narrators, series names
    in_off,
    in_code,
    bn_code,
    is_off,
    is_code,
    # identifiers
    iasin_off,
    iasin_code,
    basin_code,
    iisbn_off,
    iisbn_code,
    bisbn_code,
    # editions
    be_eid,
    be_secs,
    be_secs_ok,
    be_asin,
    dur,
    dur_ok,
    # years
    iy_off,
    iy_val,
    # outputs
    author_sim,
    narrator_sim,
    series_sim,
    position_equal,
    has_position,
    asin_match,
    isbn_match,
    duration_diff,
    duration_ok,
    edition_id,
    edition_ok,
    year_diff,
    year_ok,
    # scratch (allocated by the caller: the kernel runs without numba's reference counting)
    pm,
    slot_code,
    used,
    vec,
):
    """The other features of pairs lo..hi-1, once `title_kernel` has given their `agree_in` (the item
    sources whose title names the book). ii/bi as there; pairs should come grouped by item. Similarities
    are -1 where a comparison had nothing on either side."""
    nw = len(vec)
    a1 = np.uint64(n_alpha + 1)  # the pattern table's row length
    stride = np.uint64((n_alpha + 1) * nw)
    _reset(pm, slot_code, used)
    ws = (pm, a1, stride, slot_code, used, chars, soff, hashes, vec)
    current = -1
    n_books = len(brec) - 1
    for p in range(lo, hi):
        i = ii[p]
        b = bi[p]
        # The book's record: one row (a cache line) instead of a dozen scattered arrays.
        ba_lo, ba_hi = brec[b, 0], brec[b, 1]
        bn_lo, bn_hi = brec[b, 2], brec[b, 3]
        basin_lo, basin_hi = brec[b, 4], brec[b, 5]
        bisbn_lo, bisbn_hi = brec[b, 6], brec[b, 7]
        be_lo, be_hi = brec[b, 8], brec[b, 9]
        series_code = brec[b, 10]
        book_year, book_year_ok, book_pos_ok = brec[b, 11], brec[b, 12] != 0, brec[b, 13] != 0
        if i != current:
            _forget_patterns(pm, a1, stride, slot_code, used, chars, soff)
            current = i
        # A source whose title names another book says nothing against this candidate.
        discredited = title_mask[i] & ~agree_in[p]

        # --- authors: credible sources only; equal surname+initial keys count as 100 ---------------
        best = -1
        for v in range(ia_off[i], ia_off[i + 1]):
            if (ia_src[v] & ~discredited) == 0:
                continue
            key = ia_key[v]
            for w in range(ba_lo, ba_hi):
                if _same(chars, soff, hashes, ba_key[w], key):
                    best = 100
            best = _best_ratio(ba_lo, ba_hi, ia_code[v], ba_code, best, ws)
        author_sim[p] = best

        # --- series positions (credible sources only) ----------------------------------------------
        eq = False
        has = False
        for v in range(ip_off[i], ip_off[i + 1]):
            if (ip_src[v] & ~discredited) == 0:
                continue
            if b < n_books:
                has = True
            if book_pos_ok and ip_val[v] == book_pos[b]:
                eq = True
        position_equal[p] = eq
        has_position[p] = has

        # --- narrators; series names -----------------------------------------------------------------
        best = -1
        for v in range(in_off[i], in_off[i + 1]):
            best = _best_ratio(bn_lo, bn_hi, in_code[v], bn_code, best, ws)
        narrator_sim[p] = best
        best = -1
        if series_code >= 0:
            for v in range(is_off[i], is_off[i + 1]):
                best = _best_ratio(10, 11, is_code[v], brec[b], best, ws)
        series_sim[p] = best

        # --- identifiers ---------------------------------------------------------------------------------
        asin_match[p] = _any_same(
            iasin_off[i], iasin_off[i + 1], iasin_code, basin_lo, basin_hi, basin_code, ws
        )
        isbn_match[p] = _any_same(
            iisbn_off[i], iisbn_off[i + 1], iisbn_code, bisbn_lo, bisbn_hi, bisbn_code, ws
        )

        # --- editions: the ASIN-matched one, else the closest in duration, then the lowest id ----------
        chosen = -1
        best_key = np.inf
        best_nan = 1
        best_eid = 0
        best_diff = 0.0
        best_diff_ok = False
        for e in range(be_lo, be_hi):
            diff_ok = dur_ok[i] and be_secs_ok[e]
            secs = be_secs[e] if be_secs_ok[e] else 1.0
            d = dur[i] if dur_ok[i] else 0.0
            diff = abs(d - secs) / secs if secs != 0.0 else (np.nan if d == secs else np.inf)
            asin_hit = False
            if be_asin[e] >= 0:
                for v in range(iasin_off[i], iasin_off[i + 1]):
                    if _same(chars, soff, hashes, iasin_code[v], be_asin[e]):
                        asin_hit = True
            key = -1.0 if asin_hit else (diff if diff_ok else 1e9)
            nan = 1 if np.isnan(key) else 0
            k1 = np.inf if nan else key
            eid = be_eid[e]
            if (
                chosen < 0
                or k1 < best_key
                or (k1 == best_key and (nan < best_nan or (nan == best_nan and eid < best_eid)))
            ):
                chosen = e
                best_key = k1
                best_nan = nan
                best_eid = eid
                best_diff = diff
                best_diff_ok = diff_ok
        edition_ok[p] = chosen >= 0
        edition_id[p] = best_eid if chosen >= 0 else 0
        duration_ok[p] = chosen >= 0 and best_diff_ok
        duration_diff[p] = best_diff if (chosen >= 0 and best_diff_ok) else 0.0

        # --- year: the closest of the item's years -----------------------------------------------------
        found = False
        low = 0
        if book_year_ok:
            for v in range(iy_off[i], iy_off[i + 1]):
                d = abs(iy_val[v] - book_year)
                if not found or d < low:
                    low = d
                    found = True
        year_ok[p] = found
        year_diff[p] = low


def scratch(n_alpha: int, max_len: int) -> tuple[np.ndarray, ...]:
    """One thread's scratch arrays for `title_kernel` or `pair_kernel`: pattern table, slot codes, slots
    used, LCS words."""
    words = max((max_len + 63) >> 6, 1)
    return (
        np.zeros((_SLOTS + 1) * (n_alpha + 1) * words, dtype=np.uint64),
        np.full(_SLOTS + 1, -1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros(words, dtype=np.uint64),
    )


def warm_up() -> float:
    """Compile the kernels (or load them from numba's cache) on empty inputs; seconds taken."""
    from tasks.scoring.features import pair_features_demo

    t = time.perf_counter()
    pair_features_demo()
    return time.perf_counter() - t


@njit(nogil=True, cache=True)
def int_rows(keys, table, low, high, out):
    """out[k] = the row of keys[k] in `table` (distinct integers from low to high), -1 when absent: one
    lookup array over the ids' range (32-bit rows: half the memory to touch)."""
    lookup = np.full(high - low + 1, -1, dtype=np.int32)
    for r in range(len(table)):
        lookup[table[r] - low] = r
    for k in range(len(keys)):
        v = keys[k] - low
        out[k] = lookup[v] if 0 <= v < len(lookup) else -1


@njit(nogil=True, cache=True)
def weigh(codes, table, shown, prior, knots_x, knots_p, match_weight, confidence, shown_out):
    """Per pair p: match_weight[p] = prior + the sum of table[c, codes[c][p]] over the comparisons c, always
    added in comparison order (so a pair's weight is the same float on every run); shown_out[c, p] =
    shown[c, codes[c][p]], the weight an explanation shows; and confidence[p], the calibration curve
    (knots) at the match weight, as np.interp (numba's port of it) gives it."""
    n = len(match_weight)
    match_weight[:] = 0.0
    for c in range(len(codes)):  # one comparison at a time over all pairs: the same additions, in order
        level = codes[c]
        for p in range(n):
            k = level[p]
            match_weight[p] += table[c, k]
            shown_out[c, p] = shown[c, k]
    for p in range(n):
        match_weight[p] = prior + match_weight[p]
    if len(knots_x):
        confidence[:] = np.interp(match_weight, knots_x, knots_p)


@njit(nogil=True, cache=True)
def item_choice(starts, end, conf, book, title_match, mask, best, runner, same_title, has_match, rank, order):
    """Per item (rows starts[g]..starts[g+1]-1, the last run to `end`): its best row and runner-up by
    (confidence desc, book id asc, row order) — -1 when none —, how many of its rows have a matching
    title from a source the best row's title agrees with, whether any row has a matching title; and each
    row's rank among its item's rows by confidence (ties in row order). `order` is scratch (as long as
    the longest run).
    Runs that do not overlap can be passed on separate threads (it releases the GIL)."""
    n = end
    for g in range(len(starts)):
        lo = starts[g]
        hi = starts[g + 1] if g + 1 < len(starts) else n
        b = -1
        r = -1
        seen = False
        for k in range(lo, hi):
            if b < 0 or conf[k] > conf[b] or (conf[k] == conf[b] and book[k] < book[b]):
                r = b
                b = k
            elif r < 0 or conf[k] > conf[r] or (conf[k] == conf[r] and book[k] < book[r]):
                r = k
            seen = seen or title_match[k]
        best[g] = b
        runner[g] = r
        has_match[g] = seen
        count = 0
        if seen:
            for k in range(lo, hi):
                if title_match[k] and (mask[k] & mask[b]) != 0:
                    count += 1
        same_title[g] = count
        # Rank: an insertion sort of the item's rows by confidence, descending, stable (a few rows each).
        for k in range(lo, hi):
            j = k - lo
            while j > 0 and conf[order[j - 1]] < conf[k]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = k
        for j in range(hi - lo):
            rank[order[j]] = j + 1
