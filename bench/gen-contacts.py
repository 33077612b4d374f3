#!/usr/bin/python3
"""Writes a realistic contacts CSV for the import benchmark.

usage: gen-contacts.py ROWS OUT.csv

Header email,first_name,last_name,title,company,city.  Emails are unique;
contacts are spread (skewed, a few large and many small) over about
ROWS/20 companies, each written in several spellings that mailrota's
company key folds together ("Acme Inc.", "ACME", "Acme, Inc.", "The Acme
Company", ...).  About 3% of the addresses are free-mail ones.  Some
fields hold commas or quotes and so are quoted.  The output depends only
on ROWS: the seed is fixed.  Standard library only (Debian's python3).
"""
import csv
import random
import sys

SEED = 20261122

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth
William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen
Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth
Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald
Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy
Gary Angela Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry
Emma Justin Nicole Scott Helen Brandon Samantha Benjamin Katherine Samuel
Christine Gregory Debra Alexander Rachel Frank Carolyn Patrick Janet Raymond
Maria Jack Olivia Dennis Heather Jerry Diane Tyler Julie Aaron Joyce Priya
Wei Hiroshi Yuki Olga Sven Ingrid Lars Mateo Sofia Lucas Chloe Noah Mia Liam
Amelie Jonas Lena Felix Hannah Elena Luca Giulia Pierre Camille Hugo Ines
Rahul Ananya Arjun Fatima Omar Aisha Kwame Amara Chen Mei Jin Seo-yeon Tomasz
Agnieszka Piotr Katarzyna Mikko Aino Bjorn Astrid Diego Valentina Joao Beatriz""".split()
# A few names outside ASCII (UTF-8 in the CSV; the email uses the ASCII form).
FIRST_UTF8 = [("José", "jose"), ("Zoë", "zoe"), ("Søren", "soren"),
              ("François", "francois"), ("Björn", "bjorn"), ("Łukasz", "lukasz"),
              ("Renée", "renee"), ("Çağla", "cagla")]

LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee
Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez
Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward
Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes
Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Muller
Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois
Durand Leroy Moreau Laurent Rossi Russo Ferrari Esposito Bianchi Romano Silva
Santos Oliveira Souza Kowalski Nowak Wisniewski Virtanen Korhonen Nielsen
Hansen Johansson Andersson Larsen Tanaka Suzuki Takahashi Watanabe Sato Wang
Li Zhang Liu Chen Yang Huang Zhao Singh Kumar Sharma Gupta Khan Ali Okafor
Mensah Mwangi Haddad Cohen Levi Novak Horvat Popescu Ivanov Petrov""".split()
LAST_PUNCT = [("O'Brien", "obrien"), ("D'Angelo", "dangelo"),
              ("Smith-Jones", "smith-jones"), ("van der Berg", "vanderberg"),
              ("de la Cruz", "delacruz"), ("Müller", "mueller"),
              ("Żółć", "zolc"), ("McAllister", "mcallister")]

TITLES = ["CEO", "CTO", "CFO", "COO", "Founder", "Co-Founder", "Owner",
          "Head of Sales", "Head of Marketing", "Head of Growth",
          "VP Engineering", "VP Sales", "Sales Director", "Marketing Manager",
          "Account Executive", "Software Engineer", "Senior Software Engineer",
          "Product Manager", "Operations Manager", "Office Manager",
          "Procurement Lead", "HR Business Partner", "Recruiter", "Consultant",
          "Data Analyst", "IT Manager", "General Counsel", "Partner",
          # quoted in the CSV: they hold commas or quotes
          "VP, Sales", "Director, Business Development",
          "Head of Partnerships, EMEA", "Manager, IT & Security",
          'Chief "Everything" Officer', ""]

CITIES = ["London", "Paris", "Berlin", "Madrid", "Rome", "Amsterdam",
          "Stockholm", "Oslo", "Copenhagen", "Helsinki", "Dublin", "Lisbon",
          "Vienna", "Zürich", "München", "Kraków", "Prague", "Warsaw",
          "New York", "San Francisco", "Austin", "Chicago", "Seattle",
          "Boston", "Toronto", "Montréal", "São Paulo", "Mexico City",
          "Tokyo", "Singapore", "Sydney", "Bengaluru", "Cape Town",
          # quoted in the CSV
          "Washington, D.C.", "Portland, OR", "Portland, ME",
          "Cambridge, MA", "Cambridge, UK", "Frankfurt am Main, Hesse", ""]

FREEMAIL = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com",
            "hotmail.com", "icloud.com", "proton.me", "gmx.de", "web.de"]

# Company base names: one or two words, then a sector word, all distinct.
STEMS = """Acme Apex Arc Argo Atlas Aurora Axis Beacon Birch Blue Bold Bright
Cedar Cinder Clear Cobalt Comet Copper Coral Crest Crown Delta Drift Eagle Echo
Ember Falcon Fern Flint Forge Fox Frost Gale Garnet Glen Granite Harbor Hawk
Helix Hollow Horizon Indigo Iris Iron Jade Juniper Keystone Kite Lake Lark
Lumen Lynx Maple Marble Meadow Mesa Metro Mint Monarch Nimbus Noble North Nova
Oak Onyx Orbit Orchid Pacific Peak Pine Pioneer Pixel Polar Prism Pulse Quartz
Quill Radiant Raven Ridge River Rock Rose Sage Sequoia Sierra Silver Slate Solar
Sparrow Spruce Star Stone Summit Sun Swift Terra Thistle Tide Timber Titan Torch
True Tundra Union Valley Vector Velvet Vertex Vista Wave West Willow Wind Wren
Zenith Zephyr""".split()
SECTORS = """Analytics Systems Software Labs Logistics Health Partners Capital
Foods Energy Robotics Media Consulting Networks Security Studio Works Dynamics
Solutions Ventures Bio Cloud Data Design Digital Freight Games Goods Insights
Legal Marine Motors Outdoor Pharma Realty Retail Supply Telecom Textiles
Travel""".split()
SUFFIXES = ["Inc", "LLC", "Ltd", "GmbH", "Corp", "Co", "PLC", "SA", "BV",
            "AB", "Pty Ltd", "Limited", "Corporation", "Company"]


def company_names(n, rng):
    """n distinct (display, domain, variants) tuples."""
    seen = set()
    out = []
    while len(out) < n:
        words = [rng.choice(STEMS)]
        if rng.random() < 0.55:
            words.append(rng.choice(STEMS))
        words.append(rng.choice(SECTORS))
        if len(seen) > len(STEMS) ** 2 * len(SECTORS) // 2:
            words.append(str(rng.randrange(2, 999)))  # never with small n
        base = " ".join(words)
        key = base.lower()
        if key in seen or words[0] == words[1]:
            continue
        seen.add(key)
        suffix = rng.choice(SUFFIXES)
        dotted = suffix + "." if suffix in ("Inc", "Ltd", "Corp", "Co") \
            else suffix
        domain = "".join(w.lower() for w in words)
        domain += rng.choice([".com", ".com", ".com", ".io", ".co", ".de",
                              ".co.uk", ".net", ".fr"])
        variants = [
            f"{base} {dotted}",          # Acme Analytics Inc.
            f"{base}, {dotted}",         # Acme Analytics, Inc.  (quoted)
            base.upper(),                # ACME ANALYTICS
            base,                        # Acme Analytics
            f"{base} {suffix}",          # Acme Analytics Inc
            f"The {base} Company",       # The Acme Analytics Company
            f"{base.lower()} {suffix.lower()}",
            f"  {base}  ",               # stray whitespace
        ]
        out.append((domain, variants))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-contacts.py ROWS OUT.csv")
    rows = int(sys.argv[1])
    if rows < 1:
        sys.exit("gen-contacts.py: ROWS must be positive")
    rng = random.Random(SEED)
    ncomp = max(1, rows // 20)
    companies = company_names(ncomp, rng)
    # Variant weights: mostly the canonical spellings, some odd ones.
    vweights = [30, 12, 8, 25, 10, 5, 5, 5]
    vidx = list(range(8))
    used = set()
    with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["email", "first_name", "last_name", "title", "company",
                    "city"])
        for i in range(rows):
            # Skewed: company c has probability ~ 1/sqrt(c); every one of
            # them still gets about ten rows at the low end.
            c = int(ncomp * rng.random() ** 2)
            domain, variants = companies[c]
            r = rng.random()
            if r < 0.02:
                first, flocal = rng.choice(FIRST_UTF8)
            else:
                first = rng.choice(FIRST)
                flocal = first.lower()
            if rng.random() < 0.03:
                last, llocal = rng.choice(LAST_PUNCT)
            else:
                last = rng.choice(LAST)
                llocal = last.lower()
            if rng.random() < 0.03:
                dom = rng.choice(FREEMAIL)
                local = f"{flocal}.{llocal}{rng.randrange(1, 100)}"
            else:
                dom = domain
                local = rng.choice((f"{flocal}.{llocal}",
                                    f"{flocal[0]}{llocal}",
                                    f"{flocal}", f"{flocal}_{llocal}"))
            email = f"{local}@{dom}"
            n = 2
            while email in used:
                email = f"{local}{n}@{dom}"
                n += 1
            used.add(email)
            company = variants[rng.choices(vidx, vweights)[0]]
            if rng.random() < 0.01:
                company = ""  # derived from the email domain
            w.writerow([email, first, last, rng.choice(TITLES), company,
                        rng.choice(CITIES)])


if __name__ == "__main__":
    main()
