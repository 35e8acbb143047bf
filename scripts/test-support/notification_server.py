#!/usr/bin/env python3
"""A desktop notification server (org.freedesktop.Notifications) on the D-Bus session bus, for tests
of the app's desktop notifications: it shows nothing and writes each notification it receives to a
file, one line of "summary<TAB>body". The app talks to it exactly as to GNOME's or KDE's.
usage: notification_server.py FILE   (prints "ready" once it owns the name)"""
import asyncio, sys

from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method

OUT = sys.argv[1]


class Notifications(ServiceInterface):
    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.last = 0

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",
               actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":
        self.last += 1
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(f"{summary}\t{body}\n")
        return self.last

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["rally-test", "rally", "1", "1.2"]

    @method()
    def CloseNotification(self, id: "u"):
        pass


async def main():
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Notifications())
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await asyncio.get_running_loop().create_future()


asyncio.run(main())
