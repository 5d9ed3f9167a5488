#!/usr/bin/env python3
"""The Python Cookbook's recipe 12.8 program (findrobots.py), for
ci/bench-robots.sh to time against `spindle robots`.

Faithful to the book's second listing: gzip.open, io.TextIOWrapper with
encoding='ascii', line.split(), fields[6] == '/robots.txt', one set per file,
ProcessPoolExecutor().map over glob('*.log.gz'), the sets merged, one host per
line. Three changes, each needed to run on realistic logs at all:
  - a line with fewer than seven fields is skipped (the book's program dies with
    IndexError on the first empty or cut-short line);
  - the text is decoded with errors='surrogateescape' (the book's dies with
    UnicodeDecodeError on the first non-ASCII byte); stdout writes the same bytes;
  - the log directory is an argument, and --sequential selects the book's first
    listing (plain map) instead of the process pool.
"""
import glob
import gzip
import io
import sys
from concurrent import futures


def find_robots(filename):
    '''
    Find all of the hosts that access robots.txt in a single log file
    '''
    robots = set()
    with gzip.open(filename) as f:
        for line in io.TextIOWrapper(f, encoding='ascii', errors='surrogateescape'):
            fields = line.split()
            if len(fields) > 6 and fields[6] == '/robots.txt':
                robots.add(fields[0])
    return robots


def find_all_robots(logdir, sequential=False):
    '''
    Find all hosts across and entire sequence of files
    '''
    files = glob.glob(logdir + '/*.log.gz')
    all_robots = set()
    if sequential:
        for robots in map(find_robots, files):
            all_robots.update(robots)
    else:
        with futures.ProcessPoolExecutor() as pool:
            for robots in pool.map(find_robots, files):
                all_robots.update(robots)
    return all_robots


if __name__ == '__main__':
    args = sys.argv[1:]
    sequential = '--sequential' in args
    args = [a for a in args if a != '--sequential']
    sys.stdout.reconfigure(errors='surrogateescape')
    robots = find_all_robots(args[0] if args else 'logs', sequential)
    for ipaddr in robots:
        print(ipaddr)
