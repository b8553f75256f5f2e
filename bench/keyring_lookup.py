"""Start-up's key lookups against a real Secret Service (gnome-keyring on a private D-Bus
session, as on an artist's Linux desktop), with 5 of the studio's keys stored.

The app reads every key it knows of before its window is filled in (the catalog's key
status, the redactor's known values). Timed three ways, in this process:
- keyring key by key, with a backend check each (what KeyStore did before: a D-Bus
  connection for the check, another and an encrypted session for each key);
- keyring's get_password alone, key by key;
- KeyStore.known_values: all the studio's keys read in one round (core.keyring_batch).
The headless bench machines have no Secret Service, so bench/gui_startup cannot see this.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import median


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args(argv)
    from tests.secret_service import available, private_secret_service

    if not available():
        print("keyring_lookup: skipped (needs Debian's dbus and gnome-keyring)")
        return {}
    import keyring
    from keyring.backends.SecretService import Keyring

    from studio.core.image_host import S3_SECRET
    from studio.core.secrets import SERVICE, KeyStore, _backend_is_secure
    from studio.providers import assistant_infos, registry

    # The keys a Studio reads at start (Studio._key_specs), each entry once.
    every = [*(p.info.key for p in registry({}).values()), S3_SECRET,
             *(i.key for i in assistant_infos())]
    specs = list({s.keyring_entry: s for s in every}.values())
    with private_secret_service() as address:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring.set_keyring(Keyring())
        for spec in specs[:5]:
            KeyStore(env={}).store(spec, f"a-{spec.keyring_entry}-value")
        checked, alone, together = [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            for spec in specs:
                backend = keyring.get_keyring()
                if _backend_is_secure(backend):
                    keyring.get_password(SERVICE, spec.keyring_entry)
            checked.append(time.perf_counter() - start)
            start = time.perf_counter()
            for spec in specs:
                keyring.get_password(SERVICE, spec.keyring_entry)
            alone.append(time.perf_counter() - start)
            start = time.perf_counter()
            values = KeyStore(env={}).known_values(specs)
            together.append(time.perf_counter() - start)
            assert len(values) == 5
    figures = {"checked_s": median(checked), "alone_s": median(alone),
               "together_s": median(together)}
    print(f"keyring_lookup: {len(specs)} keys (5 stored), gnome-keyring on a private bus, "
          f"median of {args.runs}")
    print(f"  key by key with a backend check each (before): {figures['checked_s'] * 1000:.1f} ms")
    print(f"  keyring.get_password key by key:               {figures['alone_s'] * 1000:.1f} ms")
    print(f"  KeyStore.known_values, read together (now):    "
          f"{figures['together_s'] * 1000:.1f} ms")
    return figures


if __name__ == "__main__":
    main()
