package config

import (
	"os"
	"path/filepath"
)

// The XDG base directories (https://specifications.freedesktop.org/basedir-spec/),
// each with sonde's own subdirectory. An unset or relative variable falls
// back to the default under the home directory (the spec says relative
// paths are invalid and must be ignored). "" means no home directory was
// found either.

// ConfigDir is $XDG_CONFIG_HOME/sonde, by default ~/.config/sonde.
func ConfigDir() string { return sub(xdgHome("XDG_CONFIG_HOME", ".config")) }

// StateDir is $XDG_STATE_HOME/sonde, by default ~/.local/state/sonde.
func StateDir() string { return sub(xdgHome("XDG_STATE_HOME", ".local", "state")) }

// CacheDir is $XDG_CACHE_HOME/sonde, by default ~/.cache/sonde.
func CacheDir() string { return sub(xdgHome("XDG_CACHE_HOME", ".cache")) }

// DataDir is $XDG_DATA_HOME/sonde, by default ~/.local/share/sonde.
func DataDir() string { return sub(xdgHome("XDG_DATA_HOME", ".local", "share")) }

// xdgHome is one base directory: the variable if it holds an absolute
// path, else the default under the home directory.
func xdgHome(env string, def ...string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(append([]string{home}, def...)...)
}

func sub(base string) string {
	if base == "" {
		return ""
	}
	return filepath.Join(base, "sonde")
}

// join is filepath.Join that keeps "" (no directory) as "".
func join(dir, name string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// SessionsDir is where the UI records sessions: DataDir()/sessions.
func SessionsDir() (string, error) {
	d := DataDir()
	if d == "" {
		return "", errNoHome
	}
	return filepath.Join(d, "sessions"), nil
}

// EraCachePath is the era cache sonde's commands use (see
// mcp.Config.EraCache): CacheDir()/eras.json, or the file SONDE_ERA_CACHE
// names ("off" disables the cache, as does "").
func EraCachePath() string {
	if v, ok := os.LookupEnv("SONDE_ERA_CACHE"); ok {
		if v == "off" {
			return ""
		}
		return v
	}
	return join(CacheDir(), "eras.json")
}

// CredentialsPath is where sonde keeps what signing in to servers
// obtained (tokens, refresh tokens, client registrations; mode 0600):
// StateDir()/credentials.json, or the file SONDE_CREDENTIALS names ("off"
// keeps nothing between runs).
func CredentialsPath() string {
	if v, ok := os.LookupEnv("SONDE_CREDENTIALS"); ok {
		if v == "off" {
			return ""
		}
		return v
	}
	return join(StateDir(), "credentials.json")
}
