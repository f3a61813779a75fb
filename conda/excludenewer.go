package conda

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseExcludeNewer parses an exclude-newer value into the absolute cut-off
// it stands for. It accepts what conda 26.9 accepts
// (conda/core/exclude_newer.py and conda/common/datetime.py):
//
//   - a duration before now: compact units ("7d", "2w", "36h", "3d12h",
//     "90m", "30s"), ISO 8601 ("P7D", "P1W", "PT36H") or a plain number of
//     seconds ("0" is now itself). Negative durations are refused. The
//     result is truncated to the second, so that a cut-off written to a
//     lock carries no sub-second noise;
//   - an RFC 3339 date ("2026-04-01"), which means the start of the next
//     UTC day, so that the whole named day is included, as in conda;
//   - an RFC 3339 time ("2026-04-01T12:00:00Z", "…+02:00"); a time without
//     an offset is read as UTC, as conda does, and a space may stand for
//     the "T".
//
// The result is in UTC. now is only read for durations; pass the time of
// the command (libraries never read the clock themselves).
func ParseExcludeNewer(s string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return time.Time{}, fmt.Errorf("exclude-newer: empty value")
	}
	if d, ok, err := parseCutoffDuration(v); err != nil {
		return time.Time{}, fmt.Errorf("exclude-newer %q: %w", s, err)
	} else if ok {
		return now.Add(-d).UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil && len(v) == len(time.DateOnly) {
		return t.AddDate(0, 0, 1).UTC(), nil
	}
	norm := v
	if len(norm) > 10 && norm[10] == ' ' {
		norm = norm[:10] + "T" + norm[11:]
	}
	if strings.HasSuffix(norm, "z") {
		norm = norm[:len(norm)-1] + "Z"
	}
	if t, err := time.Parse(time.RFC3339Nano, norm); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, norm, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("exclude-newer %q: want a duration (7d, 2w, 36h, P7D) or an RFC 3339 date or time (2026-04-01, 2026-04-01T12:00:00Z)", s)
}

// IsRelativeCutoff reports whether s is an exclude-newer duration (a
// cut-off that moves with the clock) rather than a date or time.
func IsRelativeCutoff(s string) bool {
	v := strings.TrimSpace(s)
	if v == "" {
		return false
	}
	_, ok, err := parseCutoffDuration(v)
	return ok && err == nil
}

// FormatCutoff writes a cut-off as ParseExcludeNewer reads it back
// unchanged: RFC 3339 in UTC, with a fraction only when there is one.
func FormatCutoff(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

var compactUnits = map[byte]time.Duration{
	'w': 7 * 24 * time.Hour,
	'd': 24 * time.Hour,
	'h': time.Hour,
	'm': time.Minute,
	's': time.Second,
}

// maxCutoffDuration bounds durations so that arithmetic cannot overflow
// (about 290 years is time.Duration's range; a century is plenty).
const maxCutoffDuration = 100 * 365 * 24 * time.Hour

// parseCutoffDuration reports ok=false when v is not shaped like a
// duration at all (so that dates are tried next), and an error when it is
// shaped like one but invalid.
func parseCutoffDuration(v string) (time.Duration, bool, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, true, fmt.Errorf("duration must not be negative")
		}
		if n > int64(maxCutoffDuration/time.Second) {
			return 0, true, fmt.Errorf("duration too long")
		}
		return time.Duration(n) * time.Second, true, nil
	}
	if v[0] == '-' {
		return 0, true, fmt.Errorf("duration must not be negative")
	}
	if v[0] == 'P' || v[0] == 'p' {
		return parseISODuration(v)
	}
	// Compact: one or more <digits><unit>, spaces allowed between.
	lower := strings.ToLower(v)
	if _, isUnit := compactUnits[lower[len(lower)-1]]; !isUnit || lower[0] < '0' || lower[0] > '9' {
		return 0, false, nil
	}
	var total time.Duration
	i := 0
	for i < len(lower) {
		for i < len(lower) && lower[i] == ' ' {
			i++
		}
		j := i
		for j < len(lower) && lower[j] >= '0' && lower[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(lower[i:j], 10, 64)
		for j < len(lower) && lower[j] == ' ' {
			j++
		}
		if j == len(lower) {
			return 0, false, nil
		}
		unit, ok := compactUnits[lower[j]]
		if !ok {
			return 0, false, nil
		}
		if err != nil || n > int64(maxCutoffDuration/unit) {
			return 0, true, fmt.Errorf("duration too long")
		}
		total += time.Duration(n) * unit
		if total > maxCutoffDuration {
			return 0, true, fmt.Errorf("duration too long")
		}
		i = j + 1
	}
	return total, true, nil
}

// parseISODuration reads PnW, PnD and PTnHnMnS forms (conda's subset of
// ISO 8601: no years or months, whose length varies).
func parseISODuration(v string) (time.Duration, bool, error) {
	s := strings.ToUpper(v[1:])
	if s == "" || s == "T" {
		return 0, true, fmt.Errorf("empty ISO 8601 duration")
	}
	var total time.Duration
	inTime := false
	order := "WD"
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, true, fmt.Errorf("invalid ISO 8601 duration")
			}
			inTime, order = true, "HMS"
			s = s[1:]
			if s == "" {
				return 0, true, fmt.Errorf("invalid ISO 8601 duration")
			}
			continue
		}
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 0 || j == len(s) {
			return 0, true, fmt.Errorf("invalid ISO 8601 duration")
		}
		k := strings.IndexByte(order, s[j])
		if k < 0 {
			return 0, true, fmt.Errorf("invalid ISO 8601 duration (units in order: PnWnDTnHnMnS)")
		}
		order = order[k+1:]
		unit := compactUnits[strings.ToLower(s[j : j+1])[0]]
		n, err := strconv.ParseInt(s[:j], 10, 64)
		if err != nil || n > int64(maxCutoffDuration/unit) {
			return 0, true, fmt.Errorf("duration too long")
		}
		total += time.Duration(n) * unit
		if total > maxCutoffDuration {
			return 0, true, fmt.Errorf("duration too long")
		}
		s = s[j+1:]
	}
	return total, true, nil
}

// PublishedAfter reports whether r is hidden by an exclude-newer cut-off:
// its timestamp is later than cut. A record without a timestamp is never
// hidden; this is conda's rule (ExcludeNewerPolicy.should_include in
// conda/core/exclude_newer.py includes records whose timestamp is missing,
// "for compatibility"), and a record exactly at the cut-off is kept. The
// zero cut means no cut-off.
func (r *Record) PublishedAfter(cut time.Time) bool {
	if cut.IsZero() || r.Timestamp == 0 {
		return false
	}
	return r.Timestamp > cut.UnixMilli()
}
