#!/bin/sh
# The last act of `make demo`: the commit guard. In the demo's project
# folder (WORK, which holds environment.yml, envseal.lock and the demo's
# own identity), a teammate adds a password to environment.yml's
# variables: and commits; the pre-commit hook refuses; `envseal secrets
# import` moves it into the seal; the same commit then goes through and
# `envseal run` still passes the variable.
#
# usage: guard-demo.sh WORK ENVSEAL   (ENVSEAL_ROOT set by the caller)
set -eu
work=$1
es=$2
cd "$work"
export ENVSEAL_IDENTITY_FILE="$work/identity.txt" GIT_CONFIG_NOSYSTEM=1 \
	GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@localhost \
	GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@localhost
rm -rf .git
git init -q -b main
printf 'identity.txt\nwheels/\n' >.gitignore
git add .gitignore environment.yml envseal.lock
git commit -q -m 'demo project'
echo "== envseal guard install: commits now run envseal scan --staged"
"$es" guard install
echo "== a teammate puts a database password under variables: and commits"
printf '  DEMO_DB_PASSWORD: correct-horse-%s\n' 7f3a9c >>environment.yml
git add environment.yml
if git commit -q -m 'add the database password'; then
	echo "GUARD FAILED: the commit went through" >&2
	exit 1
fi
echo "== envseal secrets import -f environment.yml DEMO_DB_PASSWORD: into the seal, out of the file"
"$es" secrets import -f environment.yml DEMO_DB_PASSWORD
git add environment.yml envseal.lock
git commit -q -m 'add the database password (sealed)'
git log --oneline
"$es" run -n demo -- sh -c 'echo "DEMO_DB_PASSWORD reaches the child: ${#DEMO_DB_PASSWORD} characters"'
if git grep -q correct-horse-7f3a9c $(git rev-list --all); then
	echo "PLAINTEXT FOUND in the history" >&2
	exit 1
fi
echo "git grep of every commit: the password is in none of them"
