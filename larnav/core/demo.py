"""The demo region: a Forum Carpe-like consortium in Stockholms län.

``build_demo()`` creates (or brings up to date) one consortium with all 26
municipalities of the county, Stockholm city's district administrations,
a few hundred workplaces and a few thousand staff, and a demo user for every
role. It is idempotent and deterministic: every row is keyed on a stable
identifier (consortium slug, SCB code, external id, e-mail, username) and
every choice comes from one seeded random generator, so running it twice
leaves the same data.

The data is made up. The names of municipalities, districts and providers are
real; the people, addresses and workplaces are not. There is never a
personnummer.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module
from pathlib import Path

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone, translation

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.organisations.models import Consortium, Membership, Organisation
from larnav.organisations.services import save_organisation
from larnav.people import signals as people_signals
from larnav.people.models import Occupation, Person

SEED = 20120401  # Forum Carpe started on 1 April 2012.
CONSORTIUM_SLUG = "forum-carpe"
CONSORTIUM_NAME = "Forum Carpe – Stockholms län"
CONSORTIUM_SHORT_NAME = "Forum Carpe"
CONSORTIUM_EMAIL = "forumcarpe@stockholm.se"
COUNTY_CODE = "01"
STOCKHOLM = "0180"
MEMBER_FROM = date(2019, 1, 1)
DEMO_PASSWORD = "demo"  # Demo only; set without the password validators.

DEFAULT_PERSONS = 3000
DEFAULT_WORKPLACES = 300
ENSKILD_SHARE = 0.30
# Every municipality and district needs a workplace, and the demo workplace needs staff.
MIN_WORKPLACES = 40

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_CSV = DATA_DIR / "municipalities.csv"

T = Organisation.Type
D = Organisation.Driftform
F = Organisation.Funktion

# Rough populations (thousands, around 2023); they size workplaces and funding shares.
POPULATION = {
    "0114": 48, "0115": 35, "0117": 47, "0120": 46, "0123": 85, "0125": 29, "0126": 115, "0127": 98,
    "0128": 18, "0136": 97, "0138": 48, "0139": 31, "0140": 12, "0160": 75, "0162": 33, "0163": 75,
    "0180": 985, "0181": 101, "0182": 108, "0183": 54, "0184": 85, "0186": 48, "0187": 12, "0188": 64,
    "0191": 50, "0192": 29,
}

# Stockholm city's district administrations since 1 July 2023, with rough populations
# (thousands) and a few of their neighbourhoods.
STADSDELAR = [
    ("Bromma", 80, ["Abrahamsberg", "Alvik", "Blackeberg", "Ulvsunda", "Åkeshov", "Höglandet"]),
    ("Enskede-Årsta-Vantör", 110, ["Årsta", "Enskededalen", "Högdalen", "Rågsved", "Bandhagen", "Östberga"]),
    ("Farsta", 60, ["Farsta strand", "Hökarängen", "Larsboda", "Sköndal", "Fagersjö"]),
    ("Hägersten-Älvsjö", 118, ["Liljeholmen", "Fruängen", "Västertorp", "Älvsjö", "Solberga", "Aspudden"]),
    ("Hässelby-Vällingby", 75, ["Vällingby", "Hässelby gård", "Hässelby strand", "Råcksta", "Grimsta"]),
    ("Järva", 90, ["Rinkeby", "Tensta", "Kista", "Husby", "Akalla", "Spånga"]),
    ("Kungsholmen", 70, ["Fridhemsplan", "Stadshagen", "Kristineberg", "Lilla Essingen"]),
    ("Norra innerstaden", 146, ["Vasastan", "Östermalm", "Gärdet", "Hjorthagen", "Norrmalm"]),
    ("Skarpnäck", 50, ["Bagarmossen", "Björkhagen", "Kärrtorp", "Hammarbyhöjden"]),
    ("Skärholmen", 38, ["Bredäng", "Sätra", "Vårberg", "Skärholmen centrum"]),
    ("Södermalm", 130, ["Hornstull", "Skanstull", "Hammarby sjöstad", "Högalid", "Katarina", "Mariatorget"]),
]

# Neighbourhoods and villages of the other municipalities.
PLACES = {
    "0114": ["Runby", "Vilunda", "Fresta", "Smedby", "Bredden", "Sigma"],
    "0115": ["Lindholmen", "Kårsta", "Ormsta", "Bällsta", "Karby"],
    "0117": ["Åkersberga", "Ljusterö", "Svinninge", "Österskär", "Margretelund"],
    "0120": ["Gustavsberg", "Hemmesta", "Ingarö", "Brunn", "Djurö"],
    "0123": ["Jakobsberg", "Barkarby", "Kallhäll", "Viksjö", "Skälby", "Görväln"],
    "0125": ["Stenhamra", "Ekerö centrum", "Färentuna", "Skå", "Munsö"],
    "0126": ["Flemingsberg", "Skogås", "Trångsund", "Vårby", "Segeltorp", "Stuvsta", "Sjödalen"],
    "0127": ["Tumba", "Alby", "Fittja", "Hallunda", "Norsborg", "Tullinge", "Storvreten"],
    "0128": ["Salem centrum", "Rönninge", "Söderby", "Skogsängen"],
    "0136": ["Handen", "Brandbergen", "Jordbro", "Vendelsö", "Västerhaninge", "Tungelsta"],
    "0138": ["Tyresö centrum", "Trollbäcken", "Bollmora", "Öringe", "Krusboda"],
    "0139": ["Kungsängen", "Bro", "Brunna", "Ådö"],
    "0140": ["Nykvarn centrum", "Turinge", "Taxinge"],
    "0160": ["Tibble", "Näsby park", "Gribbylund", "Arninge", "Ensta", "Viggbyholm", "Hägernäs"],
    "0162": ["Djursholm", "Stocksund", "Enebyberg", "Danderyd centrum"],
    "0163": ["Häggvik", "Tureberg", "Rotebro", "Edsberg", "Helenelund", "Vaxmora"],
    "0181": ["Ronna", "Hovsjö", "Geneta", "Järna", "Pershagen", "Östertälje", "Brunnsäng"],
    "0182": ["Fisksätra", "Orminge", "Saltsjöbaden", "Sickla", "Älta", "Boo", "Björknäs"],
    "0183": ["Hallonbergen", "Rissne", "Ursvik", "Duvbo", "Lilla Alby"],
    "0184": ["Hagalund", "Råsunda", "Huvudsta", "Bergshamra", "Ulriksdal", "Frösunda"],
    "0186": ["Käppala", "Brevik", "Torsvik", "Larsberg", "Gångsätra"],
    "0187": ["Kullö", "Rindö", "Resarö", "Vaxön"],
    "0188": ["Rimbo", "Hallstavik", "Älmsta", "Grisslehamn", "Svanberga", "Vigelsjö"],
    "0191": ["Märsta", "Valsta", "Steninge", "Rosersberg", "Sigtuna stad"],
    "0192": ["Ösmo", "Sorunda", "Stora Vika", "Segersäng", "Nynäshamn centrum"],
}

STREETS = [
    "Vallmovägen", "Lingonvägen", "Blåbärsstigen", "Björkvägen", "Tallvägen", "Granvägen", "Ekvägen",
    "Lönnvägen", "Aspvägen", "Almvägen", "Rönnvägen", "Hasselvägen", "Syrenvägen", "Liljevägen",
    "Rosenvägen", "Klövervägen", "Smörblomsgränd", "Prästkragens väg", "Solrosvägen", "Kastanjegatan",
    "Skolvägen", "Kyrkvägen", "Bruksvägen", "Smedjegatan", "Kvarnvägen", "Mejerivägen", "Sjövägen",
    "Ängsvägen", "Hagvägen", "Backvägen", "Bergsvägen", "Skogsvägen", "Dalvägen", "Parkvägen",
    "Torggatan", "Allégatan", "Tegelbruksvägen", "Stationsvägen", "Postvägen", "Hantverkarvägen",
    "Snickarvägen", "Murarvägen", "Målarvägen", "Vävarvägen", "Tornvägen", "Fyrvägen", "Seglarvägen",
    "Båtsmansvägen", "Fiskarvägen", "Mälarvägen", "Västergatan", "Norrgatan", "Södergatan",
    "Gärdesvägen", "Ladugårdsvägen", "Stallvägen", "Gårdsvägen", "Fältvägen", "Åkervägen", "Rågvägen",
    "Vetevägen", "Havrevägen", "Humlevägen", "Svalvägen", "Trastvägen", "Lärkvägen", "Domherrevägen",
    "Ugglevägen", "Falkvägen", "Tranvägen", "Hägervägen", "Måsvägen", "Örnvägen", "Ekbacken",
    "Tallbacken", "Björkhagen", "Lindgården", "Solgården", "Ekgården", "Granhagen",
]

NAMES = [
    "Solrosen", "Kompassen", "Lyktan", "Fyren", "Ankaret", "Kraften", "Mötesplatsen", "Navet", "Hörnan",
    "Källan", "Pärlan", "Regnbågen", "Stjärnan", "Gläntan", "Tranan", "Ekorren", "Humlan", "Kontakten",
    "Bryggan", "Linden", "Vinden", "Tornet", "Kvarnen", "Ljusglimten", "Månskenet", "Vitsippan",
]
ACTIVITIES = [
    "Vävstugan", "Ateljé Färg och Form", "Café Kanelen", "Snickeriet", "Trädgårdsgruppen", "Växthuset",
    "Verkstan", "Tvätteriet", "Återbruket", "Sinnenas hus", "Musikverkstaden", "Mediagruppen",
    "Parkgruppen", "Bagariet", "Kaffestugan", "Friskvården", "Cykelverkstan", "Second hand-butiken",
]

# Workplace kinds: name template, function, relative frequency among providers,
# relative staff size, and the occupations of the staff (besides the manager).
OCC_LSS_BOENDE = {"stodassistent": 50, "stodpedagog": 24, "underskoterska": 9, "vardbitrade": 7,
                  "boendehandledare": 6, "arbetsledare": 2, "annan": 2}


@dataclass(frozen=True)
class Kind:
    key: str
    templates: tuple[str, ...]
    funktion: str
    frequency: int
    size: float
    occupations: dict[str, int]
    providers: dict[str, int] = field(default_factory=dict)


PROVIDERS = {
    # name: e-mail domain of its staff
    "Nytida AB": "nytida.se",
    "Attendo LSS AB": "attendo.se",
    "Frösunda Omsorg AB": "frosunda.se",
    "Humana Omsorg AB": "humana.se",
    "Humana Assistans AB": "humana.se",
    "Vardaga AB": "vardaga.se",
}
_LSS_PROVIDERS = {"Nytida AB": 35, "Attendo LSS AB": 25, "Frösunda Omsorg AB": 15, "Humana Omsorg AB": 15,
                  "Vardaga AB": 10}

KINDS = [
    Kind("gruppbostad", ("Gruppbostad {street}",), F.UTFORARE, 30, 9, OCC_LSS_BOENDE, _LSS_PROVIDERS),
    Kind("servicebostad", ("Servicebostad {street}",), F.UTFORARE, 12, 10, OCC_LSS_BOENDE, _LSS_PROVIDERS),
    Kind("daglig", ("Daglig verksamhet {name}", "Daglig verksamhet {activity}", "Daglig verksamhet {place}"), F.UTFORARE, 18, 11,
         {"aktivitetshandledare": 45, "stodpedagog": 22, "stodassistent": 20, "arbetsledare": 5,
          "arbetsterapeut": 2, "utvecklingsledare": 1, "annan": 3}, _LSS_PROVIDERS),
    Kind("korttids", ("Korttidsboende {name}", "Korttidsvistelse {street}"), F.UTFORARE, 4, 10,
         {"stodassistent": 50, "stodpedagog": 26, "underskoterska": 14, "vardbitrade": 6, "annan": 2},
         _LSS_PROVIDERS),
    Kind("boendestod", ("Boendestöd {place}", "Boendestödet {place}"), F.UTFORARE, 9, 12,
         {"boendestodjare": 76, "stodpedagog": 12, "arbetsledare": 5, "kurator": 2,
          "utvecklingsledare": 1, "annan": 2},
         {"Vardaga AB": 40, "Frösunda Omsorg AB": 30, "Humana Omsorg AB": 30}),
    Kind("stodboende", ("Stödboende {street}", "Boende socialpsykiatri {street}"), F.UTFORARE, 6, 9,
         {"boendestodjare": 45, "stodassistent": 25, "underskoterska": 10, "stodpedagog": 10,
          "kurator": 3, "annan": 2},
         {"Vardaga AB": 45, "Nytida AB": 30, "Attendo LSS AB": 25}),
    Kind("sysselsattning", ("Sysselsättning {activity}", "Träffpunkt {name}"), F.UTFORARE, 4, 7,
         {"aktivitetshandledare": 60, "boendestodjare": 15, "kurator": 10, "stodpedagog": 10, "annan": 3},
         {"Nytida AB": 50, "Frösunda Omsorg AB": 50}),
    Kind("assistans", ("Personlig assistans {place}",), F.UTFORARE, 5, 16,
         {"personlig-assistent": 92, "arbetsledare": 8},
         {"Humana Assistans AB": 60, "Frösunda Omsorg AB": 40}),
    Kind("hemtjanst", ("Hemtjänst {place}",), F.UTFORARE, 3, 18,
         {"underskoterska": 55, "vardbitrade": 35, "arbetsledare": 5, "annan": 3},
         {"Vardaga AB": 50, "Attendo LSS AB": 50}),
]
MYNDIGHET = Kind(
    "myndighet",
    ("Biståndsenheten LSS", "LSS-handläggning", "Myndighetsenheten funktionsnedsättning",
     "Socialpsykiatriska myndighetsenheten"),
    F.MYNDIGHET, 0, 8,
    {"lss-handlaggare": 45, "bistandshandlaggare": 33, "socialsekreterare": 12, "personligt-ombud": 3,
     "utvecklingsledare": 3, "verksamhetschef": 1, "kurator": 2},
)
HSL = Kind(
    "hsl", ("Kommunal hälso- och sjukvård", "Hälso- och sjukvårdsenheten", "Rehab- och HSL-enheten"),
    F.HSL, 0, 7,
    {"sjukskoterska": 50, "arbetsterapeut": 25, "fysioterapeut": 20, "underskoterska": 4, "verksamhetschef": 1},
)

# Name pools: (weight, female first names, male first names, last names).
NAME_GROUPS = [
    (70,
     ["Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Kerstin", "Ingrid", "Marie",
      "Malin", "Jenny", "Elin", "Linda", "Hanna", "Johanna", "Sofia", "Annika", "Susanne", "Camilla",
      "Helena", "Åsa", "Ulla", "Monica", "Birgitta", "Margareta", "Carina", "Maja", "Ida", "Frida", "Julia",
      "Amanda", "Lisa", "Matilda", "Linnéa", "Ebba", "Elsa", "Agnes", "Klara", "Therese", "Josefin",
      "Madeleine", "Sanna", "Petra", "Ylva", "Gunilla", "Anna-Karin", "Ann-Sofie", "Märta", "Inger", "Siv",
      "Anneli", "Jessica", "Caroline", "Louise", "Emelie", "Tove", "Wilma", "Moa", "Stina", "Ingela", "Pia"],
     ["Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael", "Jan", "Hans", "Peter", "Olof",
      "Gustav", "Fredrik", "Daniel", "Magnus", "Oskar", "Axel", "Viktor", "Emil", "Jonas", "Andreas",
      "Stefan", "Mattias", "Henrik", "Björn", "Simon", "Marcus", "Niklas", "Alexander", "Sebastian",
      "Filip", "Ludvig", "Hugo", "Måns", "Göran", "Kjell", "Bengt", "Åke", "Tobias", "Joakim", "Patrik",
      "Rasmus", "Linus", "Jesper", "Robin", "Kristoffer", "Pontus"],
     ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
      "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
      "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg",
      "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
      "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
      "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
      "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren",
      "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Viklund",
      "Björklund", "Eliasson", "Pålsson", "Berggren", "Sandström", "Nordin", "Ström", "Åberg",
      "Hermansson", "Ekström", "Holmgren", "Sundberg", "Hedlund", "Dahlberg", "Hellström", "Sjögren",
      "Abrahamsson", "Falk", "Martinsson", "Öberg", "Andreasson", "Strömberg", "Månsson", "Åkesson",
      "Norberg", "Lindholm", "Dahl", "Jonasson"]),
    (4,  # Finnish
     ["Aino", "Riitta", "Sirpa", "Päivi", "Tuula", "Marjatta", "Satu", "Tiina", "Leena"],
     ["Juha", "Mikko", "Timo", "Jari", "Pekka", "Kari", "Antti", "Markku"],
     ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
      "Koskinen", "Järvinen", "Lehtonen", "Salminen"]),
    (8,  # Arabic
     ["Fatima", "Aisha", "Amina", "Mariam", "Noor", "Sara", "Zainab", "Layla", "Rania", "Hiba", "Yasmin",
      "Dalia", "Hala"],
     ["Mohammed", "Ahmad", "Ali", "Omar", "Hassan", "Hussein", "Karim", "Yousef", "Mustafa", "Khaled",
      "Ibrahim", "Samir"],
     ["Ali", "Mohammed", "Ahmed", "Hassan", "Hussein", "Ibrahim", "Abdullah", "Al-Hashimi", "Khalil",
      "Saleh", "Mahmoud", "Jaber", "Haddad", "Youssef", "Salman", "Aziz"]),
    (4,  # Somali
     ["Fadumo", "Hodan", "Ifrah", "Sahra", "Hawa", "Nasra", "Ayan", "Khadra", "Ubah", "Deeqa"],
     ["Abdirahman", "Abdullahi", "Mohamed", "Ahmed", "Farah", "Hassan", "Yusuf", "Abdi", "Liban"],
     ["Abdi", "Warsame", "Farah", "Omar", "Osman", "Yusuf", "Jama", "Hirsi", "Aden", "Ismail", "Mohamud",
      "Nur"]),
    (3,  # Persian
     ["Maryam", "Shirin", "Leila", "Parisa", "Nasrin", "Azadeh", "Mahsa", "Roya", "Shabnam"],
     ["Reza", "Ali", "Mehdi", "Hamid", "Babak", "Amir", "Dariush", "Kaveh", "Arash"],
     ["Karimi", "Hosseini", "Rahimi", "Mohammadi", "Ahmadi", "Rezaei", "Moradi", "Jafari", "Sadeghi",
      "Tehrani", "Rostami"]),
    (3,  # Eritrean and Ethiopian
     ["Selam", "Senait", "Helen", "Meron", "Tsega", "Lidya", "Hiwot", "Saba", "Yordanos"],
     ["Yonas", "Daniel", "Tesfaye", "Dawit", "Samuel", "Bereket", "Mulugeta", "Tekle", "Semere"],
     ["Tesfay", "Ghebremedhin", "Haile", "Tekle", "Berhane", "Gebru", "Mengistu", "Kidane",
      "Woldemariam", "Abraha"]),
    (2,  # Bosnian, Serbian, Croatian
     ["Amra", "Emina", "Lejla", "Azra", "Selma", "Jasmina", "Mirela", "Dragana", "Jelena", "Ivana"],
     ["Emir", "Adnan", "Senad", "Nermin", "Dragan", "Zoran", "Goran", "Milan", "Haris", "Edin"],
     ["Hodžić", "Hadžić", "Kovačević", "Begić", "Mehmedović", "Petrović", "Jovanović", "Nikolić", "Delić",
      "Husić", "Marić", "Alić"]),
    (2,  # Turkish and Kurdish
     ["Ayşe", "Elif", "Zeynep", "Hatice", "Leyla", "Rojda", "Berfin", "Gülsen", "Dilan", "Nesrin"],
     ["Mehmet", "Ahmet", "Mustafa", "Hüseyin", "Murat", "Serkan", "Kemal", "Dilshad", "Baran", "Rebin"],
     ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç"]),
    (2,  # Polish
     ["Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Małgorzata", "Ewa", "Monika", "Aleksandra"],
     ["Piotr", "Tomasz", "Krzysztof", "Paweł", "Marcin", "Łukasz", "Michał", "Jakub"],
     ["Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król",
      "Wieczorek"]),
    (2,  # Latin American
     ["Carolina", "Paula", "Daniela", "Valentina", "Camila", "Gabriela", "Ximena", "Lucía", "María José"],
     ["Juan", "Carlos", "Diego", "Andrés", "José", "Luis", "Felipe", "Matías", "Rodrigo"],
     ["González", "Rodríguez", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva",
      "Martínez", "Sepúlveda", "Fuentes"]),
]


@dataclass(frozen=True)
class DemoUserSpec:
    username: str
    role: str
    scope: str | None  # "kommun:0126", "stadsdel:Södermalm", "workplace" or None (consortium-wide)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    staff: str | None = None  # "chef", "ombud" or "deltagare": linked to a Person of the demo workplace
    is_staff: bool = False


DEMO_USERS = [
    DemoUserSpec("samordnare", Role.SAMORDNARE, None, "Maria", "Lindqvist", "maria.lindqvist@stockholm.se",
                 is_staff=True),
    DemoUserSpec("styrgrupp", Role.STYRGRUPP, "kommun:0126", "Johan", "Berglund", "johan.berglund@huddinge.se"),
    DemoUserSpec("kontaktperson", Role.KONTAKTPERSON, "kommun:0182", "Leila", "Karimi", "leila.karimi@nacka.se"),
    DemoUserSpec("cka-huddinge", Role.CKA, "kommun:0126", "Sofia", "Eklund", "sofia.eklund@huddinge.se"),
    DemoUserSpec("cka-taby", Role.CKA, "kommun:0160", "Anders", "Holm", "anders.holm@taby.se"),
    DemoUserSpec("cka-sodermalm", Role.CKA, "stadsdel:Södermalm", "Amina", "Yusuf", "amina.yusuf@stockholm.se"),
    DemoUserSpec("chef", Role.CHEF, "workplace", staff="chef"),
    DemoUserSpec("ombud", Role.KOMPETENSOMBUD, "workplace", staff="ombud"),
    DemoUserSpec("utbildare", Role.UTBILDARE, None, "Karin", "Sjöberg", "karin.sjoberg@solna.se"),
    DemoUserSpec("deltagare", Role.DELTAGARE, None, staff="deltagare"),
]

# Django admin rights for the coordinator (is_staff): the tree and the people, not users.
SAMORDNARE_ADMIN_MODELS = [("organisations", "organisation"), ("organisations", "membership"),
                           ("people", "person"), ("people", "occupation")]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class DemoSummary:
    consortium: Consortium
    municipalities: int
    districts: int
    administrations: int
    workplaces: int
    enskild: int
    persons: int
    users: int
    logins: list[DemoLogin]

    @property
    def enskild_percent(self) -> float:
        return 100.0 * self.enskild / self.workplaces if self.workplaces else 0.0

    def lines(self) -> list[str]:
        """The summary and the table of demo logins, ready to print."""
        out = [
            f"Demo region: {self.consortium.name} ({self.consortium.slug})",
            f"  municipalities   {self.municipalities}",
            f"  districts        {self.districts}",
            f"  administrations  {self.administrations}",
            f"  workplaces       {self.workplaces} ({self.enskild_percent:.0f} % enskild regi)",
            f"  persons          {self.persons}",
            "",
            f'WARNING: the demo users below all have the password "{DEMO_PASSWORD}". '
            "Demo data only; never load it into a production database.",
            "",
        ]
        rows = [("username", "password", "role", "scope")]
        rows += [(x.username, x.password, x.role, x.scope) for x in self.logins]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for i, row in enumerate(rows):
            out.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row[:3])) + "  " + row[3])
            if i == 0:
                out.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
        return out


# --- helpers ---------------------------------------------------------------------------------------------

_ASCII_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "ae",
                              "Æ": "Ae", "ß": "ss", "ı": "i"})


def ascii_slug(text: str) -> str:
    """'Åsa Öberg-Linné' -> 'asaoberg-linne': lower-case ASCII for e-mail addresses and domains."""
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9-]", "", text)


def municipality_domain(short_name: str) -> str:
    return f"{ascii_slug(short_name)}.se"


def read_municipalities(county_code: str = COUNTY_CODE) -> list[dict[str, str]]:
    """The county's municipalities from the bundled SCB list, codes as text."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["county_code"] == county_code]
    return sorted(rows, key=lambda row: row["municipality_code"])


def _allocate(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each >= minimum."""
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("total too small for the minimum")
    wsum = sum(weights)
    exact = [rest * w / wsum for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: rest - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


def _unit_name(rng: random.Random, kind: Kind, fixed: str | None, places: list[str], taken: set[str]) -> str:
    """A workplace name not yet used in the municipality."""
    name = fixed
    for _ in range(40):
        if not fixed:
            name = rng.choice(kind.templates).format(
                street=rng.choice(STREETS), name=rng.choice(NAMES), activity=rng.choice(ACTIVITIES),
                place=rng.choice(places),
            )
        if name not in taken:
            break
    n = 1
    candidate = name
    while candidate in taken:
        n += 1
        candidate = f"{name} {n}"
    taken.add(candidate)
    return candidate


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --- the plan (pure Python, deterministic) ---------------------------------------------------------------


@dataclass
class UnitPlan:
    external_id: str
    name: str
    kind: Kind
    scb: str
    area: str  # kommun short name or stadsdel name
    parent_key: str  # a _Tree key: "kommun:0126", "FVT-0126-01" or "SDF-0180-03"
    driftform: str = D.KOMMUNAL
    provider_name: str = ""
    staff: int = 0


@dataclass
class PersonPlan:
    email: str
    first_name: str
    last_name: str
    unit: UnitPlan
    occupation: str
    gender: str
    language: str
    external_id: str


@dataclass
class Plan:
    municipalities: list[dict]
    administrations: list[tuple[str, str, str]]  # (external_id, name, scb)
    districts: list[tuple[str, str]]  # (external_id, name)
    units: list[UnitPlan]
    persons: list[PersonPlan]
    demo_unit: UnitPlan
    demo_staff: dict[str, PersonPlan]


def _administrations(scb: str, population: int) -> list[tuple[str, str]]:
    """(external_id, name) of a municipality's administrations: one, or two in the larger ones."""
    if population >= 60:
        provider = ["Vård- och omsorgsförvaltningen", "Omsorgsförvaltningen",
                    "Funktionsstödsförvaltningen"][int(scb) % 3]
        return [(f"FVT-{scb}-01", "Socialförvaltningen"), (f"FVT-{scb}-02", provider)]
    name = "Socialförvaltningen" if int(scb) % 2 else "Social- och omsorgsförvaltningen"
    return [(f"FVT-{scb}-01", name)]


def make_plan(persons: int = DEFAULT_PERSONS, workplaces: int = DEFAULT_WORKPLACES, seed: int = SEED) -> Plan:
    if workplaces < MIN_WORKPLACES:
        raise ValueError(f"The demo needs at least {MIN_WORKPLACES} workplaces.")
    if persons < 2 * workplaces:
        raise ValueError("The demo needs at least two persons per workplace.")
    rng = random.Random(seed)
    municipalities = read_municipalities()
    if len(municipalities) != len(POPULATION):
        raise ValueError("The municipality list does not match the demo's population table.")
    short = {m["municipality_code"]: m["municipality_name_short"] for m in municipalities}

    # Areas that own workplaces: every municipality except Stockholm, and Stockholm's districts.
    areas = []  # (scb, area name, population, places, parent keys for municipal myndighet / provider units)
    administrations, districts = [], []
    for m in municipalities:
        scb = m["municipality_code"]
        if scb == STOCKHOLM:
            total = sum(p for _, p, _ in STADSDELAR)
            for i, (name, pop, places) in enumerate(STADSDELAR, start=1):
                key = f"SDF-{scb}-{i:02d}"
                districts.append((key, name))
                areas.append((scb, name, POPULATION[scb] * pop / total, places, key, key))
        else:
            admins = _administrations(scb, POPULATION[scb])
            administrations += [(ext, name, scb) for ext, name in admins]
            areas.append((scb, short[scb], POPULATION[scb], PLACES[scb], admins[0][0], admins[-1][0]))

    counts = _allocate(workplaces, [a[2] for a in areas], minimum=1)
    units: list[UnitPlan] = []
    seq: dict[str, int] = {}
    used_names: dict[str, set[str]] = {}
    # Authority units (one, two in the largest areas) and a health-care unit where there is room; in a
    # small demo at least one of each, in the two largest areas.
    n_myndighet = [2 if n >= 15 else 1 if n >= 3 else 0 for n in counts]
    n_hsl = [1 if n >= 6 else 0 for n in counts]
    largest = sorted(range(len(counts)), key=lambda i: (-counts[i], i))
    if not any(n_myndighet):
        n_myndighet[largest[0]] = 1
    if not any(n_hsl):
        n_hsl[largest[1]] = 1
    for index, (scb, area, _pop, places, authority_parent, provider_parent) in enumerate(areas):
        n = counts[index]
        kinds = [MYNDIGHET] * n_myndighet[index] + [HSL] * n_hsl[index]
        kinds += rng.choices(KINDS, weights=[k.frequency for k in KINDS], k=n - len(kinds))
        taken = used_names.setdefault(scb, set())
        for i, kind in enumerate(kinds):
            if kind is MYNDIGHET:
                fixed = kind.templates[3] if i == 1 else rng.choice(kind.templates[:3])
            elif kind is HSL:
                fixed = rng.choice(kind.templates)
            else:
                fixed = None
            if fixed and scb == STOCKHOLM:
                fixed = f"{fixed} {area}"  # "Biståndsenheten LSS Södermalm"
            name = _unit_name(rng, kind, fixed, places, taken)
            seq[scb] = seq.get(scb, 0) + 1
            parent = provider_parent if kind.funktion != F.MYNDIGHET else authority_parent
            units.append(UnitPlan(f"ENH-{scb}-{seq[scb]:03d}", name, kind, scb, area, parent))

    # The demo workplace: the first municipal provider unit in Huddinge; never privately run.
    huddinge = [u for u in units if u.scb == "0126"]
    demo_unit = next((u for u in huddinge if u.kind.funktion == F.UTFORARE), huddinge[0])

    # About 30 % of all workplaces are privately run (enskild regi); only providers can be.
    candidates = [u for u in units if u.kind.funktion == F.UTFORARE and u is not demo_unit]
    for unit in rng.sample(candidates, min(len(candidates), round(ENSKILD_SHARE * len(units)))):
        unit.driftform = D.ENSKILD
        unit.provider_name = _weighted(rng, unit.kind.providers)
        if unit.scb != STOCKHOLM:  # outside the municipality's own administrations
            unit.parent_key = f"kommun:{unit.scb}"

    # Staff: one manager per unit, the rest by the unit's size; the demo unit has at least two more.
    sizes = [u.kind.size * rng.uniform(0.6, 1.4) for u in units]
    extra = _allocate(persons - len(units) - 2, sizes)
    for unit, n in zip(units, extra, strict=True):
        unit.staff = 1 + n
    demo_unit.staff += 2

    reserved = {spec.email for spec in DEMO_USERS if spec.email}
    used_emails: set[str] = set(reserved)
    person_seq: dict[str, int] = {}
    person_plans: list[PersonPlan] = []
    demo_staff: dict[str, PersonPlan] = {}
    group_weights = [g[0] for g in NAME_GROUPS]
    for unit in units:
        domain = PROVIDERS[unit.provider_name] if unit.provider_name else municipality_domain(short[unit.scb])
        for i in range(unit.staff):
            occupation = "enhetschef" if i == 0 else _weighted(rng, unit.kind.occupations)
            r = rng.random()
            gender = "" if r < 0.10 else "kvinna" if r < 0.84 else "man" if r < 0.99 else "annat"
            female = gender == "kvinna" or (gender in ("", "annat") and rng.random() < 0.8)
            group = rng.choices(NAME_GROUPS, weights=group_weights)[0]
            first = rng.choice(group[1] if female else group[2])
            last_pool = group[3]
            if rng.random() < (0.03 if group is NAME_GROUPS[0] else 0.10):
                last_pool = rng.choice(NAME_GROUPS)[3]  # married or adopted names cross the groups
            last = rng.choice(last_pool)
            language = "en" if rng.random() < 0.02 else "sv"
            local = f"{ascii_slug(first)}.{ascii_slug(last)}"
            email, n = f"{local}@{domain}", 1
            while email in used_emails:
                n += 1
                email = f"{local}{n}@{domain}"
            used_emails.add(email)
            person_seq[unit.scb] = person_seq.get(unit.scb, 0) + 1
            plan = PersonPlan(email, first, last, unit, occupation, gender, language,
                              f"ANST-{unit.scb}-{person_seq[unit.scb]:05d}")
            person_plans.append(plan)
            if unit is demo_unit:
                role = "chef" if i == 0 else "ombud" if i == 1 else "deltagare" if i == 2 else None
                if role:
                    demo_staff[role] = plan

    return Plan(municipalities, administrations, districts, units, person_plans, demo_unit, demo_staff)


# --- writing it to the database ---------------------------------------------------------------------------


class _Tree:
    """Creates or updates organisations keyed on SCB code / external id, saving only what changed."""

    def __init__(self, consortium: Consortium):
        self.consortium = consortium
        self.by_key: dict[str, Organisation] = {}
        for org in Organisation.objects.filter(consortium=consortium):
            if org.type == T.KOMMUN and org.scb_code:
                self.by_key[f"kommun:{org.scb_code}"] = org
            elif org.external_id:
                self.by_key[org.external_id] = org

    def sync(self, key: str, parent: Organisation | None, **fields) -> Organisation:
        org = self.by_key.get(key)
        if org is None:
            org = Organisation(consortium=self.consortium, parent=parent, **fields)
            save_organisation(org)
            self.by_key[key] = org
            return org
        changed = org.parent_id != (parent.pk if parent else None) or any(
            getattr(org, name) != value for name, value in fields.items()
        )
        if changed:
            for name, value in fields.items():
                setattr(org, name, value)
            org.parent = parent
            save_organisation(org)
        return org


def _funding_shares(codes: list[str]) -> dict[str, Decimal]:
    """Shares in per cent proportional to population, three decimals, summing to exactly 100."""
    total = sum(POPULATION[c] for c in codes)
    unit = Decimal("0.001")
    shares = {c: (Decimal(100 * POPULATION[c]) / total).quantize(unit, ROUND_HALF_UP) for c in codes}
    largest = max(codes, key=lambda c: POPULATION[c])
    shares[largest] += Decimal(100) - sum(shares.values())
    return shares


def _ensure_occupations() -> dict[str, Occupation]:
    """The vocabulary loaded by people/0002; re-created if missing (e.g. after a test flush)."""
    vocabulary = import_module("larnav.people.migrations.0002_occupations").OCCUPATIONS
    existing = Occupation.objects.in_bulk(field_name="code")
    missing = [Occupation(code=code, name_sv=sv, name_en=en, sort_order=order)
               for code, sv, en, order in vocabulary if code not in existing]
    if missing:
        Occupation.objects.bulk_create(missing)
        existing = Occupation.objects.in_bulk(field_name="code")
    return existing


def _sync_persons(consortium: Consortium, plan: Plan, units: dict[str, Organisation],
                  occupations: dict[str, Occupation]) -> dict[str, Person]:
    fields = ["first_name", "last_name", "workplace_id", "occupation_id", "gender", "language",
              "external_id", "is_active"]
    existing = {p.email.lower(): p for p in Person.objects.filter(consortium=consortium)}
    now = timezone.now()
    to_create, to_update = [], []
    for pp in plan.persons:
        values = {
            "first_name": pp.first_name, "last_name": pp.last_name,
            "workplace_id": units[pp.unit.external_id].pk, "occupation_id": occupations[pp.occupation].pk,
            "gender": pp.gender, "language": pp.language, "external_id": pp.external_id, "is_active": True,
        }
        person = existing.get(pp.email)
        if person is None:
            to_create.append(Person(consortium=consortium, email=pp.email, **values))
        elif any(getattr(person, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(person, k, v)
            person.updated_at = now
            to_update.append(person)
    Person.objects.bulk_create(to_create, batch_size=500)
    Person.objects.bulk_update(to_update, [*fields, "updated_at"], batch_size=500)
    if to_update:  # a demo run again: registrations follow the persons' occupation and gender
        people_signals.details_changed.send(Person, person_ids=[p.pk for p in to_update])
    wanted = {plan.demo_staff[k].email for k in plan.demo_staff}
    return {p.email: p for p in Person.objects.filter(consortium=consortium, email__in=wanted)}


def _scope_label(org: Organisation | None, consortium: Consortium) -> str:
    if org is None:
        return f"{consortium.name} (whole consortium)"
    return f"{org.name} ({Organisation.Type(org.type).label.lower()})"


def _sync_users(consortium: Consortium, plan: Plan, tree: _Tree, staff: dict[str, Person]) -> list[DemoLogin]:
    district_keys = {name: ext for ext, name in plan.districts}
    demo_unit = tree.by_key[plan.demo_unit.external_id]
    admin_permissions = list(Permission.objects.filter(
        content_type__app_label__in={app for app, _ in SAMORDNARE_ADMIN_MODELS},
        content_type__model__in={model for _, model in SAMORDNARE_ADMIN_MODELS},
    ))
    logins = []
    for spec in DEMO_USERS:
        if spec.scope is None:
            scope = None
        elif spec.scope == "workplace":
            scope = demo_unit
        elif spec.scope.startswith("stadsdel:"):
            scope = tree.by_key[district_keys[spec.scope.split(":", 1)[1]]]
        else:
            scope = tree.by_key[spec.scope]
        person = staff[plan.demo_staff[spec.staff].email] if spec.staff else None
        defaults = {
            "consortium": consortium,
            "person": person,
            "first_name": person.first_name if person else spec.first_name,
            "last_name": person.last_name if person else spec.last_name,
            "email": person.email if person else spec.email,
            "is_staff": spec.is_staff,
            "is_superuser": False,
            "is_active": True,
        }
        if person is not None:
            # A person has at most one user; free it if an earlier run linked it elsewhere.
            User.objects.filter(person=person).exclude(username=spec.username).update(person=None)
        user, created = User.objects.get_or_create(username=spec.username, defaults=defaults)
        if not created and any(getattr(user, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(user, k, v)
            user.save()
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)  # deliberately bypasses the validators: demo only
            user.save(update_fields=["password"])
        if spec.is_staff:
            user.user_permissions.set(admin_permissions)
        RoleAssignment.objects.filter(user=user).exclude(role=spec.role, organisation=scope).delete()
        RoleAssignment.objects.update_or_create(
            user=user, role=spec.role, organisation=scope,
            defaults={"consortium": consortium, "valid_from": MEMBER_FROM, "valid_to": None},
        )
        logins.append(DemoLogin(spec.username, DEMO_PASSWORD, str(Role(spec.role).label),
                                _scope_label(scope, consortium)))
    return logins


@transaction.atomic
def build_demo(persons: int = DEFAULT_PERSONS, workplaces: int = DEFAULT_WORKPLACES) -> DemoSummary:
    """Create or update the demo region. Idempotent: a second run with the same arguments changes nothing."""
    plan = make_plan(persons=persons, workplaces=workplaces)
    consortium, _ = Consortium.objects.update_or_create(
        slug=CONSORTIUM_SLUG,
        defaults={"name": CONSORTIUM_NAME, "short_name": CONSORTIUM_SHORT_NAME, "contact_email": CONSORTIUM_EMAIL},
    )
    tree = _Tree(consortium)
    shares = _funding_shares([m["municipality_code"] for m in plan.municipalities])
    for m in plan.municipalities:
        scb = m["municipality_code"]
        kommun = tree.sync(f"kommun:{scb}", None, type=T.KOMMUN, name=m["municipality_name_short"],
                           scb_code=scb, is_active=True)
        Membership.objects.update_or_create(
            consortium=consortium, organisation=kommun, valid_from=MEMBER_FROM,
            defaults={"valid_to": None, "funding_share": shares[scb]},
        )
    for ext, name, scb in plan.administrations:
        tree.sync(ext, tree.by_key[f"kommun:{scb}"], type=T.FORVALTNING, name=name, external_id=ext,
                  is_active=True)
    for ext, name in plan.districts:
        tree.sync(ext, tree.by_key[f"kommun:{STOCKHOLM}"], type=T.STADSDEL, name=name, external_id=ext,
                  is_active=True)

    units = {}
    for u in plan.units:
        units[u.external_id] = tree.sync(
            u.external_id, tree.by_key[u.parent_key], type=T.ENHET, name=u.name, external_id=u.external_id,
            driftform=u.driftform, provider_name=u.provider_name, funktion=u.kind.funktion, is_active=True,
        )

    occupations = _ensure_occupations()
    staff = _sync_persons(consortium, plan, units, occupations)
    with translation.override("en"):  # the login table is for developers, like the README
        logins = _sync_users(consortium, plan, tree, staff)

    orgs = Organisation.objects.filter(consortium=consortium)
    enheter = orgs.filter(type=T.ENHET)
    return DemoSummary(
        consortium=consortium,
        municipalities=orgs.filter(type=T.KOMMUN).count(),
        districts=orgs.filter(type=T.STADSDEL).count(),
        administrations=orgs.filter(type=T.FORVALTNING).count(),
        workplaces=enheter.count(),
        enskild=enheter.filter(driftform=D.ENSKILD).count(),
        persons=Person.objects.filter(consortium=consortium).count(),
        users=User.objects.filter(consortium=consortium).count(),
        logins=logins,
    )


def demo_consortium() -> Consortium:
    """The demo region's consortium (after ``build_demo``)."""
    return Consortium.objects.get(slug=CONSORTIUM_SLUG)
